import { IANAZone } from 'luxon';

/**
 * Luxon asks `Intl.DateTimeFormat` for a zone's UTC offset every time it turns an instant into
 * a wall clock (or back), and business hours do that several times per call: in a catch-up poll
 * it was 6 % of the bridge's CPU (BENCHMARKS.md, "Issue 16, delivery and a large store").
 *
 * An offset can only change at a transition, and every transition in use today happens at a
 * whole quarter hour of UTC: zones' offsets are whole quarter hours (+05:45, +10:30, +12:45) and
 * their changes happen at whole quarter hours of local time (02:00, 03:00, Lord Howe's 02:00 to
 * 02:30). So the offset found for one instant holds for its whole quarter hour of UTC, and is
 * remembered per quarter hour (test/enrichment/zoneOffsets.test.ts checks this against luxon over whole
 * years in zones chosen for their odd offsets and changes).
 */
class QuarterHourOffsets extends IANAZone {
  private readonly offsets = new Map<number, number>();

  override offset(ts: number): number {
    const quarter = Math.floor(ts / QUARTER_HOUR_MS);
    let offset = this.offsets.get(quarter);
    if (offset === undefined) {
      offset = super.offset(ts);
      if (this.offsets.size >= MAX_QUARTERS) this.offsets.clear();
      this.offsets.set(quarter, offset);
    }
    return offset;
  }
}

const QUARTER_HOUR_MS = 15 * 60_000;
/** About three years of quarter hours per zone (a few MB at most). */
const MAX_QUARTERS = 100_000;
const MAX_ZONES = 1000;

const zones = new Map<string, IANAZone | string>();

/**
 * The zone to give luxon for an IANA name (`{ zone: zoneNamed(name) }`): the same answers as the
 * name, with offsets remembered. An unknown name comes back as it is, so luxon reports it invalid
 * exactly as before.
 */
export function zoneNamed(name: string): IANAZone | string {
  let zone = zones.get(name);
  if (zone === undefined) {
    const remembered = new QuarterHourOffsets(name);
    zone = remembered.isValid ? remembered : name;
    if (zones.size < MAX_ZONES) zones.set(name, zone);
  }
  return zone;
}

/** A wall clock reading: the calendar date and time of day in a zone. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  /** 1 = Monday … 7 = Sunday, as luxon numbers them. */
  weekday: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/** luxon's range of instants (`DateTime.fromMillis` is invalid past it). */
const MAX_INSTANT_MS = 8.64e15;

/**
 * The wall clock in a zone at an instant, read as luxon's `DateTime.fromMillis(instant, {zone:
 * zoneNamed(name)})` reads it (the zone's offset at the instant, then the calendar of UTC
 * shifted by it) without building a DateTime: business hours read the clock of every call,
 * and building the DateTime (its week data, its objects) cost more than the rules
 * (BENCHMARKS.md, "ingest2"). Null where luxon would be invalid (an unknown zone, an instant
 * out of its range): the caller asks luxon, which says why.
 */
export function wallClockAt(instantMs: number, name: string): WallClock | null {
  const zone = zoneNamed(name);
  if (typeof zone === 'string' || !(Math.abs(instantMs) <= MAX_INSTANT_MS)) return null;
  const local = new Date(instantMs + zone.offset(instantMs) * 60_000);
  const year = local.getUTCFullYear();
  if (Number.isNaN(year)) return null;
  return {
    year,
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    // getUTCDay counts from Sunday = 0.
    weekday: ((local.getUTCDay() + 6) % 7) + 1,
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    millisecond: local.getUTCMilliseconds(),
  };
}
