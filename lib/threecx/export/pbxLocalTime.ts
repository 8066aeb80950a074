import { DateTime, IANAZone } from 'luxon';

/**
 * Times as 3CX's report exports write them: the PBX's local wall-clock time, in the culture's
 * date order (docs/3cx-facts.md §8). `2026-03-02 09:15:02`, `2026/03/02 09:15`,
 * `02/03/2026 09:15:02`, `3/2/2026 9:15:02 AM`; a four-digit first part is always year first.
 */
export type DateOrder = 'DMY' | 'MDY' | 'YMD';

const LOCAL_TIME =
  /^(\d{1,4})[-/.](\d{1,2})[-/.](\d{2,4})[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:\s*([AaPp])\.?[Mm]\.?)?$/;

export class PbxLocalTime {
  /** Zone offset (minutes) of each local hour met so far: luxon is slow, hours repeat. */
  private readonly offsets = new Map<number, number>();

  constructor(
    readonly timeZone: string,
    readonly dateOrder: DateOrder,
  ) {
    if (!IANAZone.isValidZone(timeZone)) {
      throw new RangeError(`${timeZone} is not an IANA time zone such as Europe/Dublin`);
    }
  }

  /**
   * UTC epoch ms; NaN when the text is no date-time in this order. A time in the hour the
   * clocks skip (no PBX can have logged one) is read with the offset after the change; in the
   * hour they repeat, as the first of the two (an export does not say which).
   */
  toUtcMillis(text: string): number {
    const m = LOCAL_TIME.exec(text.trim());
    if (m === null) return NaN;
    let year: number;
    let month: number;
    let day: number;
    if (m[1].length === 4 || this.dateOrder === 'YMD') {
      [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
    } else if (this.dateOrder === 'MDY') {
      [month, day, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
    } else {
      [day, month, year] = [Number(m[1]), Number(m[2]), Number(m[3])];
    }
    if (year < 100) year += 2000;
    let hour = Number(m[4]);
    const minute = Number(m[5]);
    const second = m[6] === undefined ? 0 : Number(m[6]);
    if (m[7] !== undefined) {
      if (hour < 1 || hour > 12) return NaN;
      hour = (hour % 12) + (m[7].toLowerCase() === 'p' ? 12 : 0);
    }
    const wall = Date.UTC(year, month - 1, day, hour, minute, second);
    const check = new Date(wall);
    if (
      year < 1970 ||
      check.getUTCMonth() !== month - 1 ||
      check.getUTCDate() !== day ||
      hour > 23 ||
      minute > 59 ||
      second > 59
    ) {
      return NaN;
    }
    return wall - this.offsetMinutes(wall) * 60_000;
  }

  private offsetMinutes(wall: number): number {
    const hourKey = Math.floor(wall / 3_600_000);
    let offset = this.offsets.get(hourKey);
    if (offset === undefined) {
      const d = new Date(hourKey * 3_600_000);
      offset = DateTime.fromObject(
        {
          year: d.getUTCFullYear(),
          month: d.getUTCMonth() + 1,
          day: d.getUTCDate(),
          hour: d.getUTCHours(),
        },
        { zone: this.timeZone },
      ).offset;
      this.offsets.set(hourKey, offset);
    }
    return offset;
  }
}

/** The usual order for a country's PBX culture: month first in the US, else day first. */
export function dateOrderFor(country: string | undefined): DateOrder {
  return country !== undefined && /^(US|PH|FM|MH|PW)$/i.test(country) ? 'MDY' : 'DMY';
}
