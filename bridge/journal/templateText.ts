import { z } from 'zod';

/**
 * Values as the 3CX CRM template sends them. 3CX fills a template's JSON body by text
 * substitution, so every value arrives as a string, and a variable this PBX version does not
 * know comes through as its own placeholder (`[Transcription]` on a system without AI, or a
 * whole unevaluated `[[CallEstablishedTimeUTC].ToString("…")]`) [3p: Odoo 3CX module notes].
 * Both an empty string and a placeholder mean "not given": an older PBX must not get a 400 for
 * a field it cannot fill.
 */
const PLACEHOLDER = /^\[[\s\S]*\]$/;

export function absentIfUnset(value: unknown): unknown {
  if (value === null) return undefined;
  if (typeof value !== 'string') return value;
  const text = value.trim();
  return text === '' || PLACEHOLDER.test(text) ? undefined : text;
}

/** Optional text of at most `max` characters; empty or a placeholder is `undefined`. */
export function templateText(max: number) {
  return z.preprocess(absentIfUnset, z.string().max(max).optional());
}
