import { DateTime } from 'luxon';
import {
  inBusinessHours,
  localTimeOn,
  nextOpening,
  secondsAfterMidnight,
  WEEKDAYS,
  type BusinessHoursConfig,
} from './businessHours';
import { SECONDS_PER_DAY, secondsOfDay } from './timeOfDay';
import { zoneNamed } from './zoneOffsets';

/**
 * Business time: a duration counted only while the location is open, by the same hours and
 * holidays as `inBusinessHours` (one definition of "open"). "30 minutes of business hours"
 * after a Friday 18:00 miss is Monday 09:30 (closed all weekend); after a 16:50 miss it is
 * 10 minutes on Friday and 20 on Monday, 09:20; a holiday Monday moves it to Tuesday.
 *
 * The clock runs from the next opening (`nextOpening`) until the location closes, then
 * stops until it opens again. Null when the location opens on no day in the coming year.
 */
export function addBusinessTime(
  instantMs: number,
  durationMs: number,
  config: BusinessHoursConfig,
): number | null {
  let from = instantMs;
  let remaining = Math.max(0, durationMs);
  // Each pass uses up one open stretch; a stretch is at least a second, so this bounds the
  // work for any duration a setting allows (a week of business time is a few dozen stretches).
  for (let stretch = 0; stretch < MAX_STRETCHES; stretch++) {
    const open = nextOpening(from, config);
    if (open === null) return null;
    const closed = firstClosingBefore(open, open + remaining, config);
    if (closed === null) return open + remaining;
    remaining -= closed - open;
    from = closed;
  }
  return null;
}

const MAX_STRETCHES = 10_000;

/**
 * The first instant in `(openMs, endMs)` at which the location is closed, or null when it
 * stays open throughout. The location can only close at an interval's end, at a holiday's
 * `from` time or at local midnight (a new date can start a holiday): only those instants are
 * checked, in time order, each with `inBusinessHours`.
 */
function firstClosingBefore(
  openMs: number,
  endMs: number,
  config: BusinessHoursConfig,
): number | null {
  if (!(endMs > openMs)) return null;
  let lastOpen = openMs;
  const firstDay = DateTime.fromMillis(openMs, { zone: zoneNamed(config.timezone) }).startOf('day');
  for (let d = 0; ; d++) {
    const day = d === 0 ? firstDay : firstDay.plus({ days: d });
    if (day.toMillis() >= endMs) return null;
    for (const closing of closingsOn(day, config)) {
      const candidate = closing.at;
      if (candidate <= openMs) continue;
      // A time inside the hour a daylight-saving change skips is shifted later by luxon: the
      // location then closes at the jump, somewhere between the last instant known open and
      // the shifted one, found to the second.
      const shifted = closing.shifted;
      const closed = isClosed(closing, config);
      if (shifted && closed) {
        const exact = firstClosedAfter(lastOpen, candidate, config);
        return exact < endMs ? exact : null;
      }
      if (candidate >= endMs) return null;
      if (closed) return candidate;
      lastOpen = candidate;
    }
  }
}

/** One of a day's closing candidates (`closingsOn`). */
interface Closing {
  /** The instant. */
  at: number;
  /** luxon moved it later: the local time falls in the hour a daylight-saving change skips. */
  shifted: boolean;
  /** Whether the location is closed then, once asked (`isClosed`). */
  closed?: boolean;
}

/**
 * A local day's closing candidates as instants, in time order, remembered per config object
 * (settings are parsed per change, so one object serves a catch-up's misses): every miss of
 * the day asks for the same few instants, and building them with luxon was most of a
 * deadline's cost (BENCHMARKS.md, "ingest2").
 */
function closingsOn(day: DateTime, config: BusinessHoursConfig): Closing[] {
  let days = closingDays.get(config);
  if (days === undefined) closingDays.set(config, (days = new Map()));
  const key = day.toMillis();
  let closings = days.get(key);
  if (closings === undefined) {
    closings = closingCandidates(config).map((t) => {
      const local = localTimeOn(day, t, config.timezone);
      return { at: local.toMillis(), shifted: secondsAfterMidnight(local) !== t };
    });
    if (days.size >= CLOSING_DAYS_KEPT) days.clear();
    days.set(key, closings);
  }
  return closings;
}

/** `!inBusinessHours` at a closing candidate, asked once. */
function isClosed(closing: Closing, config: BusinessHoursConfig): boolean {
  return (closing.closed ??= !inBusinessHours(closing.at, config));
}

const closingDays = new WeakMap<BusinessHoursConfig, Map<number, Closing[]>>();
/** A few years of days per config. */
const CLOSING_DAYS_KEPT = 1000;

/** Local times of day at which a location may close, sorted. */
function closingCandidates(config: BusinessHoursConfig): number[] {
  const seconds = new Set<number>([0]);
  for (const day of WEEKDAYS)
    for (const interval of config.weekly[day]) seconds.add(secondsOfDay(interval.end));
  for (const h of config.holidays) if (h.from !== undefined) seconds.add(secondsOfDay(h.from));
  // `24:00` is the next day's midnight, already a candidate.
  seconds.delete(SECONDS_PER_DAY);
  return [...seconds].sort((a, b) => a - b);
}

/** The first closed second in `(openMs, closedMs]`, where `openMs` is open. */
function firstClosedAfter(openMs: number, closedMs: number, config: BusinessHoursConfig): number {
  let low = openMs;
  let high = closedMs;
  while (high - low > 1000) {
    const mid = low + Math.floor((high - low) / 2000) * 1000;
    if (inBusinessHours(mid, config)) low = mid;
    else high = mid;
  }
  return high;
}
