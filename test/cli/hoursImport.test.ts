import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../sim';
import {
  officeHoliday as holiday,
  type OfficeHoliday,
  type OfficePeriod,
} from '../../sim/officeSchedule';
import { runCli } from '../support/runCli';

/**
 * `3cx-bridge hours import`: a location takes the office hours and holidays its 3CX admin
 * already set up, read from the simulator's `GET /xapi/v1/OfficeHours?$expand=OfficeHolidays`
 * over loopback with the location's stored API client.
 */
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday'] as const;
const PERIODS: OfficePeriod[] = [
  ...DAYS.map((DayOfWeek) => ({ DayOfWeek, Start: '08:00:00', Stop: '17:30:00' })),
  { DayOfWeek: 'Friday', Start: '08:00:00', Stop: '16:00:00' },
  { DayOfWeek: 'Saturday', Start: '09:00:00', Stop: '12:30:00' },
];

const HOLIDAYS: OfficeHoliday[] = [
  holiday({ Id: 1, Name: 'Christmas Day', IsRecurrent: true }),
  holiday({ Id: 2, Name: 'Adelaide Cup Day', Day: 9, Month: 3, DayEnd: 9, MonthEnd: 3 }),
  holiday({
    Id: 3,
    Name: 'Office shutdown',
    Day: 28,
    DayEnd: 2,
    MonthEnd: 1,
    YearEnd: 2027,
  }),
  holiday({
    Id: 4,
    Name: 'Christmas Eve afternoon',
    Day: 24,
    DayEnd: 24,
    IsRecurrent: true,
    TimeOfStartDate: 'PT12H',
  }),
];

/** The same hours and holidays as the bridge writes them (wall clock in Adelaide). */
const IMPORTED = {
  timezone: 'Australia/Adelaide',
  weekly: {
    monday: [{ start: '08:00', end: '17:30' }],
    tuesday: [{ start: '08:00', end: '17:30' }],
    wednesday: [{ start: '08:00', end: '17:30' }],
    thursday: [{ start: '08:00', end: '17:30' }],
    friday: [{ start: '08:00', end: '16:00' }],
    saturday: [{ start: '09:00', end: '12:30' }],
    sunday: [],
  },
  holidays: [
    { name: 'Christmas Day', date: '2026-12-25', recurring: true },
    { name: 'Adelaide Cup Day', date: '2026-03-09', recurring: false },
    { name: 'Office shutdown', start: '2026-12-28', end: '2027-01-02', recurring: false },
    { name: 'Christmas Eve afternoon', date: '2026-12-24', recurring: true, from: '12:00' },
  ],
};

describe('3cx-bridge hours import', () => {
  let sim: Simulator;
  let dir: string;
  let db: string;

  beforeAll(async () => {
    sim = await startSimulator({
      clients: [
        { clientId: 'bridge', clientSecret: 'bridge-secret', role: 'system_owner' },
        { clientId: 'tester', clientSecret: 'tester-secret', role: 'system_owner' },
      ],
      officeHours: { periods: PERIODS, holidays: HOLIDAYS },
    });
  });
  afterAll(async () => {
    await sim.close();
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), '3cx-hours-import-'));
    db = join(dir, 'bridge.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function addLocation(
    name: string,
    clientId: string,
    secret: string,
    timezone = 'Australia/Adelaide',
  ): Promise<void> {
    const added = await runCli(
      [
        'location',
        'add',
        '--name',
        name,
        '--pbx-url',
        sim.url,
        '--client-id',
        clientId,
        '--country',
        'AU',
        '--timezone',
        timezone,
        '--db',
        db,
      ],
      { THREECX_CLIENT_SECRET: secret },
    );
    expect(added.code).toBe(0);
  }

  /** `hours show`, without the `now` part (it reads the wall clock). */
  async function shownHours(name: string): Promise<Record<string, unknown>> {
    const shown = await runCli(['hours', 'show', '--location', name, '--db', db]);
    expect(shown.code).toBe(0);
    const { now: _now, ...hours } = JSON.parse(shown.stdout) as Record<string, unknown>;
    return hours;
  }

  /** What the simulator serves, asked the way a 3CX client asks (its own API client). */
  async function servedOfficeHours(): Promise<{
    Hours: { Periods: OfficePeriod[] };
    OfficeHolidays: OfficeHoliday[];
    TimeZoneId: string;
  }> {
    const token = await fetch(`${sim.url}/connect/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: 'tester',
        client_secret: 'tester-secret',
        grant_type: 'client_credentials',
      }),
    });
    const { access_token: accessToken } = (await token.json()) as { access_token: string };
    const answer = await fetch(`${sim.url}/xapi/v1/OfficeHours?$expand=OfficeHolidays`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(answer.status).toBe(200);
    return (await answer.json()) as Awaited<ReturnType<typeof servedOfficeHours>>;
  }

  it("keeps the PBX's own time zone when the location's differs, and says so", async () => {
    await addLocation('Perth Desk', 'bridge', 'bridge-secret', 'Australia/Perth');
    const imported = await runCli(['hours', 'import', '--location', 'Perth Desk', '--db', db]);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toMatch(
      /^Note: the PBX keeps its office hours in Australia\/Adelaide, the location is in Australia\/Perth/m,
    );
    // 08:00 on the PBX's clock is 08:00 in Adelaide, not in Perth: what 3CX routes by.
    expect(await shownHours('Perth Desk')).toEqual(IMPORTED);
  });

  it("replaces the location's hours with the office hours and holidays the PBX serves", async () => {
    await addLocation('Adelaide Office', 'bridge', 'bridge-secret');
    const before = await shownHours('Adelaide Office');
    expect(before).not.toEqual(IMPORTED);

    const imported = await runCli(['hours', 'import', '--location', 'Adelaide Office', '--db', db]);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    // Same zone on the PBX and the location: nothing to warn about.
    expect(imported.stdout).not.toMatch(/^Note:/m);
    const { now: _now, ...printed } = JSON.parse(imported.stdout) as Record<string, unknown>;
    expect(printed).toEqual(IMPORTED);

    // Stored, not only printed: a later `hours show` has them.
    const after = await shownHours('Adelaide Office');
    expect(after).toEqual(IMPORTED);

    // And they are the simulator's: every period and holiday it serves, none it does not.
    const served = await servedOfficeHours();
    expect(served.TimeZoneId).toBe(after.timezone);
    const asDayTimes = (periods: OfficePeriod[]) =>
      periods
        .map((p) => `${p.DayOfWeek.toLowerCase()} ${p.Start.slice(0, 5)}-${p.Stop.slice(0, 5)}`)
        .sort();
    const weekly = after.weekly as Record<string, { start: string; end: string }[]>;
    expect(
      Object.entries(weekly)
        .flatMap(([day, intervals]) => intervals.map((i) => `${day} ${i.start}-${i.end}`))
        .sort(),
    ).toEqual(asDayTimes(served.Hours.Periods));
    expect((after.holidays as { name: string }[]).map((h) => h.name)).toEqual(
      served.OfficeHolidays.map((h) => h.Name),
    );
  });

  it.each([
    ['a wrong API key', 'bridge', 'not-the-key'],
    ['an unknown client ID', '9999', 'bridge-secret'],
  ])(
    'with %s: says the PBX refused the credentials, exits non-zero, keeps the stored hours',
    async (_case, clientId, secret) => {
      await addLocation('Adelaide Office', clientId, secret);
      const set = await runCli([
        'hours',
        'set',
        '--location',
        'Adelaide Office',
        '--weekly',
        'mon-fri 07:00-15:00',
        '--db',
        db,
      ]);
      expect(set.code).toBe(0);
      const before = await shownHours('Adelaide Office');

      const failed = await runCli(['hours', 'import', '--location', 'Adelaide Office', '--db', db]);
      expect(failed.code).toBe(1); // a PBX failure, as `check` reports one
      expect(failed.stdout).toBe('');
      expect(failed.stderr).toMatch(/^3cx-bridge: 3CX rejected the client ID or secret/);
      expect(failed.stderr).toMatch(/generate a new API key/);
      expect(failed.stderr).not.toContain(secret);

      expect(await shownHours('Adelaide Office')).toEqual(before);
      expect((before.weekly as Record<string, unknown>).monday).toEqual([
        { start: '07:00', end: '15:00' },
      ]);
    },
  );
});
