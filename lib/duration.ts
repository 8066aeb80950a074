/**
 * Call-log durations in seconds.
 *
 * XAPI sends ISO 8601 durations (`PT0S`, `PT1M12.577027S`, 3cx-facts §1.4 [obs bma]); CDR
 * output and some exports use `HH:MM:SS` (3cx-facts §3.2). Both are accepted, with an optional
 * day part (`P1DT2H`, `1.02:03:04`, .NET TimeSpan style). Anything else gives `null`, never a
 * throw: one odd row must not stop a poll.
 *
 * Hand-written rather than luxon's `Duration.fromISO` because it runs twice per leg on the
 * settle hot path (see BENCHMARKS.md).
 */
const ISO_DURATION =
  /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;
const CLOCK_DURATION = /^(?:(\d+)[.:])?(\d{1,3}):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/;

export function parseDurationSeconds(value: string | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (text === '') return null;
  if (text.charCodeAt(0) === 80 /* P */) {
    if (text === 'P' || text.endsWith('T')) return null;
    const m = ISO_DURATION.exec(text);
    if (!m) return null;
    return num(m[1]) * 86400 + num(m[2]) * 3600 + num(m[3]) * 60 + num(m[4]);
  }
  const m = CLOCK_DURATION.exec(text);
  if (!m) return null;
  return num(m[1]) * 86400 + num(m[2]) * 3600 + num(m[3]) * 60 + num(m[4]);
}

function num(part: string | undefined): number {
  return part === undefined ? 0 : Number(part);
}

/** `PT1M12.5S` for 72.5 seconds: how 3CX writes durations, used by the simulator and fixtures. */
export function formatIsoDuration(seconds: number): string {
  if (!(seconds > 0)) return 'PT0S';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round((seconds % 60) * 1e6) / 1e6;
  const text = `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s ? `${s}S` : ''}`;
  return text === 'PT' ? 'PT0S' : text;
}
