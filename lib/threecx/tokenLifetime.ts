/**
 * How long a 3CX access token lives, from the token answer's `expires_in`.
 *
 * The unit changed (docs/3cx-facts.md §1.2): the 3CX docs say 60 means 60 *minutes* [off d-cfg,
 * obs luxzg]; 3CX's own sample switched to *seconds* with the commit "expires_in is in seconds
 * (according to OAuth) since 20.0.9" [off xt 1c6947c]. This file is the one place that
 * decides; if a real PBX proves a guess wrong, change a constant here.
 *
 * The rule:
 * 1. PBX version known (from `SystemStatus.Version`): seconds from 20.0.9, minutes before.
 * 2. Version unknown (the first token is needed to read the version): a value of at most
 *    {@link MAX_PLAUSIBLE_MINUTES} is read as minutes, anything larger as seconds. No real
 *    token lives under five minutes, and pre-20.0.9 PBXs answer 60 (one peer uses the same
 *    cut-off [3p tcad]).
 * A wrong guess is never fatal: a 401 makes the client refetch the token once and retry.
 */

/** The first version whose `expires_in` is in seconds. */
export const SECONDS_SINCE_VERSION: readonly number[] = [20, 0, 9];

/** Version unknown: `expires_in` up to this many is read as minutes. */
export const MAX_PLAUSIBLE_MINUTES = 300;

export type ExpiresInUnit = 'seconds' | 'minutes';

export interface TokenLifetime {
  seconds: number;
  unit: ExpiresInUnit;
  /** How the unit was chosen, for logs: `version 20.0.10.1040` or `size heuristic`. */
  reason: string;
}

export function tokenLifetime(expiresIn: number, pbxVersion: string | null): TokenLifetime {
  const parsed = pbxVersion === null ? null : parseVersion(pbxVersion);
  if (parsed !== null) {
    const unit: ExpiresInUnit =
      compareVersions(parsed, SECONDS_SINCE_VERSION) >= 0 ? 'seconds' : 'minutes';
    return { seconds: toSeconds(expiresIn, unit), unit, reason: `version ${pbxVersion}` };
  }
  const unit: ExpiresInUnit = expiresIn <= MAX_PLAUSIBLE_MINUTES ? 'minutes' : 'seconds';
  return {
    seconds: toSeconds(expiresIn, unit),
    unit,
    reason: 'size heuristic (PBX version not yet known)',
  };
}

function toSeconds(expiresIn: number, unit: ExpiresInUnit): number {
  return unit === 'minutes' ? expiresIn * 60 : expiresIn;
}

/** `20.0.10.1040` → `[20, 0, 10, 1040]`; null when it does not start with a number. */
export function parseVersion(version: string): number[] | null {
  const match = /^\s*v?(\d+(?:\.\d+)*)/i.exec(version);
  if (!match) return null;
  return match[1].split('.').map(Number);
}

export function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
