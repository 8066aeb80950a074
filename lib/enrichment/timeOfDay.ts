import { z } from 'zod';

/**
 * Wall-clock times of day as business hours are written: `09:00`, `17:30`, `08:30:15`, and
 * `24:00` for "until midnight" (an interval end only). Kept as text in the config, so what a
 * user wrote is what they read back; turned into seconds after local midnight to compare.
 */
const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;
const END_OF_DAY = /^24:00(?::00)?$/;

export const SECONDS_PER_DAY = 86_400;

/** Seconds after local midnight; `24:00` is 86400. NaN for anything that is not a time. */
export function secondsOfDay(text: string): number {
  if (END_OF_DAY.test(text)) return SECONDS_PER_DAY;
  const m = TIME_OF_DAY.exec(text);
  if (!m) return NaN;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + (m[3] === undefined ? 0 : Number(m[3]));
}

/** `HH:MM`, or `HH:MM:SS` when the seconds matter; 86400 is `24:00`. */
export function formatTimeOfDay(seconds: number): string {
  const whole = Math.round(seconds);
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = whole % 60;
  return `${pad2(h)}:${pad2(m)}${s === 0 ? '' : `:${pad2(s)}`}`;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** A moment in the day: an interval's start, or a holiday's first moment. */
export const timeOfDaySchema = z
  .string({ error: 'must be a time of day as text, like "09:00"' })
  .trim()
  .regex(TIME_OF_DAY, 'must be a time of day HH:MM (00:00 to 23:59), like "09:00"');

/** An interval's end or a holiday's last moment: may also be `24:00`, the end of the day. */
export const endTimeOfDaySchema = z
  .string({ error: 'must be a time of day as text, like "17:00"' })
  .trim()
  .refine(
    (text) => TIME_OF_DAY.test(text) || END_OF_DAY.test(text),
    'must be a time of day HH:MM (00:00 to 24:00), like "17:00"; "24:00" is midnight at the end of the day',
  );
