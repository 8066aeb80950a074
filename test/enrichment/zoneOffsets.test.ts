import { DateTime, IANAZone } from 'luxon';
import { wallClockAt, zoneNamed } from '../../lib/enrichment/zoneOffsets';

/**
 * Business hours remember a zone's UTC offset per quarter hour of UTC
 * (lib/enrichment/zoneOffsets.ts). That is only right if no offset changes inside a quarter
 * hour: checked here against luxon's own answer, minute by minute around every change and once in
 * every quarter hour in between, over a year, in zones chosen for odd offsets and odd changes.
 */
describe('zone offsets remembered per quarter hour', () => {
  const ZONES = [
    'Australia/Adelaide', // +09:30 / +10:30
    'Australia/Lord_Howe', // +10:30 / +11:00: a half-hour change
    'Asia/Kathmandu', // +05:45
    'Pacific/Chatham', // +12:45 / +13:45
    'America/St_Johns', // -03:30 / -02:30
    'Europe/London',
    'America/New_York',
    'Asia/Tehran', // +03:30
  ];
  const FROM = Date.UTC(2025, 0, 1);
  const TO = Date.UTC(2026, 0, 1);
  const MINUTE = 60_000;

  it.each(ZONES)('%s: the same offset as luxon at every minute where it changes', (name) => {
    const exact = IANAZone.create(name);
    const remembered = zoneNamed(name);
    expect(typeof remembered).not.toBe('string');
    const cached = remembered as IANAZone;
    const wrong: string[] = [];
    const check = (t: number) => {
      if (cached.offset(t) !== exact.offset(t)) wrong.push(new Date(t).toISOString());
    };
    let changes = 0;
    let before = exact.offset(FROM - 15 * MINUTE);
    for (let t = FROM; t < TO; t += 15 * MINUTE) {
      const offset = exact.offset(t);
      if (cached.offset(t + 7 * MINUTE) !== offset) wrong.push(new Date(t).toISOString());
      if (offset !== before) {
        changes++;
        for (let m = -15; m < 15; m++) check(t + m * MINUTE);
      }
      before = offset;
    }
    expect(wrong).toEqual([]);
    // The zones with daylight saving change twice a year; the others never.
    const dst = !['Asia/Kathmandu', 'Asia/Tehran'].includes(name);
    expect(changes).toBe(dst ? 2 : 0);
  });

  it('gives luxon the same wall clock as the zone’s name, and an unknown name stays invalid', () => {
    const instant = Date.UTC(2026, 3, 5, 15, 59, 30); // Adelaide's clocks go back at 16:30 UTC
    for (const t of [instant, instant + 31 * MINUTE, instant + 90 * MINUTE]) {
      expect(DateTime.fromMillis(t, { zone: zoneNamed('Australia/Adelaide') }).toISO()).toBe(
        DateTime.fromMillis(t, { zone: 'Australia/Adelaide' }).toISO(),
      );
    }
    expect(zoneNamed('Mars/Olympus_Mons')).toBe('Mars/Olympus_Mons');
    expect(DateTime.fromMillis(instant, { zone: zoneNamed('Mars/Olympus_Mons') }).isValid).toBe(
      false,
    );
  });

  it.each(ZONES)(
    '%s: the wall clock read without luxon is luxon’s, around every change and over the year',
    (name) => {
      const fields = [
        'year',
        'month',
        'day',
        'weekday',
        'hour',
        'minute',
        'second',
        'millisecond',
      ] as const;
      const wrong: string[] = [];
      const check = (t: number) => {
        const luxon = DateTime.fromMillis(t, { zone: name });
        const read = wallClockAt(t, name);
        if (!read || fields.some((f) => read[f] !== luxon[f]))
          wrong.push(new Date(t).toISOString());
      };
      const exact = IANAZone.create(name);
      let before = exact.offset(FROM);
      // Every 97 minutes and 13.25 s (every weekday, hour and second lands), each change to the minute.
      for (let t = FROM - 86_400_000; t < TO; t += 97 * MINUTE + 13_250) check(t);
      for (let t = FROM; t < TO; t += 15 * MINUTE) {
        const offset = exact.offset(t);
        if (offset !== before) for (let m = -60; m <= 60; m++) check(t + m * MINUTE - 1);
        before = offset;
      }
      expect(wrong).toEqual([]);
    },
  );

  it('reads no wall clock where luxon has none: an unknown zone, an instant out of range', () => {
    expect(wallClockAt(Date.UTC(2026, 0, 1), 'Mars/Olympus_Mons')).toBeNull();
    expect(wallClockAt(NaN, 'Australia/Adelaide')).toBeNull();
    expect(wallClockAt(8.64e15 + 1, 'Australia/Adelaide')).toBeNull();
    expect(wallClockAt(8.64e15, 'UTC')).toMatchObject({ year: 275760, month: 9, day: 13 });
  });
});
