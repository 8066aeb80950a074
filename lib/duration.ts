import { trimText } from './trimText';

/**
 * Call-log durations in seconds.
 *
 * XAPI sends ISO 8601 durations (`PT0S`, `PT1M12.577027S`, docs/3cx-facts.md §1.4 [obs bma]); CDR
 * output and some exports use `HH:MM:SS` (docs/3cx-facts.md §3.2). Both are accepted, with an optional
 * day part (`P1DT2H`, `1.02:03:04`, .NET TimeSpan style). Anything else gives `null`, never a
 * throw: one odd row must not stop a poll.
 *
 * Hand-written rather than luxon's `Duration.fromISO` because it runs twice per leg on the
 * settle hot path (see BENCHMARKS.md).
 */
const CLOCK_DURATION = /^(?:(\d+)[.:])?(\d{1,3}):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/;

export function parseDurationSeconds(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  // Stryker disable next-line ConditionalExpression: equivalent, a shortcut: the ISO reader gives 0 for PT0S too
  if (value === 'PT0S') return 0; // most legs: no ringing or no talking
  const text = trimText(value);
  // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent, a shortcut: empty text is no ISO duration and fails the clock pattern too
  if (text === '') return null;
  if (text.charCodeAt(0) === 80 /* P */) return scanIsoDuration(text);
  const m = CLOCK_DURATION.exec(text);
  if (!m) return null;
  return num(m[1]) * 86400 + num(m[2]) * 3600 + num(m[3]) * 60 + num(m[4]);
}

/** Seconds per unit, by rank in the order ISO 8601 requires: D (before `T`), then H, M, S. */
const UNIT_SECONDS = [86400, 3600, 60, 1];

function unitRank(code: number): number {
  if (code === 68 /* D */) return 0;
  if (code === 72 /* H */) return 1;
  if (code === 77 /* M */) return 2;
  return code === 83 /* S */ ? 3 : -1;
}

/**
 * `P[nD][T[nH][nM][n[.f]S]]` by hand: one pass by char codes, no regex, no allocation. Units
 * must appear in order, each at most once; only seconds (and, leniently, the others) may carry
 * a fraction.
 */
function scanIsoDuration(text: string): number | null {
  let total = 0;
  let inTime = false;
  let sawAny = false;
  // The ranks allowed next: the date part takes D only, the time part H, M, S in that order.
  let minRank = 0;
  let maxRank = 0;
  let i = 1;
  const n = text.length;
  while (i < n) {
    if (text.charCodeAt(i) === 84 /* T */) {
      if (inTime || i === n - 1) return null;
      inTime = true;
      minRank = 1;
      maxRank = 3;
      i++;
      continue;
    }
    let value = 0;
    let digits = 0;
    // Stryker disable next-line EqualityOperator: equivalent, past the end charCodeAt is NaN and the unit check below refuses it
    while (i < n) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
      digits++;
      i++;
    }
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, past the end charCodeAt is NaN, never a dot
    if (i < n && text.charCodeAt(i) === 46 /* . */) {
      let scale = 0.1;
      i++;
      // Stryker disable next-line EqualityOperator: equivalent, past the end charCodeAt is NaN and the unit check below refuses it
      while (i < n) {
        const d = text.charCodeAt(i) - 48;
        if (d < 0 || d > 9) break;
        value += d * scale;
        scale /= 10;
        digits++;
        i++;
      }
    }
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, at the end charCodeAt is NaN, no unit: unitRank refuses it
    if (digits === 0 || i >= n) return null;
    const rank = unitRank(text.charCodeAt(i));
    if (rank < minRank || rank > maxRank) return null;
    minRank = rank + 1;
    total += value * UNIT_SECONDS[rank];
    sawAny = true;
    i++;
  }
  return sawAny ? total : null;
}

function num(part: string | undefined): number {
  return part === undefined ? 0 : Number(part);
}

/** `PT1M12.5S` for 72.5 seconds: how 3CX writes durations, used by the simulator and fixtures. */
export function formatIsoDuration(seconds: number): string {
  // Stryker disable next-line EqualityOperator: equivalent, 0 s writes no unit and ends as PT0S below
  if (!(seconds > 0)) return 'PT0S';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round((seconds % 60) * 1e6) / 1e6;
  const text = `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s ? `${s}S` : ''}`;
  return text === 'PT' ? 'PT0S' : text;
}
