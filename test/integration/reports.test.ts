import { generateAdminToken } from '../../bridge/secrets/adminToken';
import { api, subscribe } from '../support/bridgeApi';
import { startReceiver, type Receiver } from '../support/receiver';
import { runCli } from '../support/runCli';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * The follow-up report and the reconciliation through the real bridge and the simulator, on a
 * handful of calls whose every figure is known: 2026-03-03 00:00Z is Tuesday 10:30 in Adelaide
 * (in business hours).
 */
const ADMIN = generateAdminToken();
let t: TestBridge;
let good: Receiver;
let salesOnly: Receiver;
let failing: Receiver;
const calls: Record<string, string> = {};
let callBackSeconds = 0;

beforeAll(async () => {
  t = await startTestBridge({
    sim: { clock: { mode: 'manual', start: '2026-03-03T00:00:00Z' } },
    bridge: { adminToken: ADMIN },
  });
  [good, salesOnly, failing] = await Promise.all([
    startReceiver(),
    startReceiver(),
    startReceiver(),
  ]);
  failing.respond = () => ({ status: 500 });
  expect(
    (
      await api(t.url, t.apiKey, 'PUT', '/v1/source-lists', {
        lists: [{ id: 'sales', name: 'Sales line', dialed_numbers: ['+61881234501'] }],
        default_list: null,
      })
    ).status,
  ).toBe(200);
  for (const [receiver, filters] of [
    [good, undefined],
    [salesOnly, { source_list: 'sales' }],
    [failing, undefined],
  ] as const)
    await subscribe(t, receiver.url, 'call.missed', t.apiKey, filters);
  await t.tick();

  const play = async (name: string, script: Record<string, unknown>) => {
    const call = t.sim.pbx.placeCall(script);
    while (t.sim.clock.now() < call.endedAt + 20_000) await t.advance(5);
    calls[name] = call.callHistoryId!;
    return call;
  };
  const a = await play('a', {
    kind: 'direct',
    extension: '101',
    result: 'hangup',
    caller: '+61412340001',
  });
  await play('redial', {
    kind: 'direct',
    extension: '101',
    result: 'hangup',
    caller: '+61412340001',
  });
  t.sim.clock.advance(8 * 60);
  const back = await play('back', {
    kind: 'outbound',
    from: '103',
    number: '+61412340001',
    result: 'answered',
  });
  callBackSeconds = (back.startedAt - a.startedAt) / 1000;
  await play('b', {
    kind: 'direct',
    extension: '102',
    result: 'voicemail',
    messageSeconds: 20,
    caller: '+61412340002',
  });
  await play('c', { kind: 'direct', extension: '102', result: 'hangup', caller: 'Anonymous' });
  await play('d', { kind: 'direct', extension: '104', result: 'answered', caller: '+61412340003' });
  expect(
    (await api(t.url, t.apiKey, 'PATCH', `/v1/calls/${calls.b}`, { disposition: 'replied' }))
      .status,
  ).toBe(200);
  await t.tick();
});
afterAll(async () => {
  await t.close();
  await Promise.all([good.close(), salesOnly.close(), failing.close()]);
});

const SINCE = '2026-03-02T13:30:00Z'; // Tuesday 00:00 in Adelaide
const UNTIL = '2026-03-03T13:30:00Z';

describe('GET /v1/reports/follow-up', () => {
  it('gives every figure of the period, per location and per day', async () => {
    const answer = await api(
      t.url,
      t.apiKey,
      'GET',
      `/v1/reports/follow-up?since=${SINCE}&until=${UNTIL}&group=day`,
    );
    expect(answer.status).toBe(200);
    const [location] = answer.body.locations;
    const expected = {
      missed: 4,
      fired: 3,
      folded: 1,
      returnable: 2,
      replied: 1,
      reply_rate: 1 / 3,
      returned: 1,
      called_back: 1,
      callback_rate: 1 / 2,
      recovered_24h: 1,
      recovery_rate_24h: 1 / 2,
      awaiting: 1,
      not_returned: 0,
      time_to_callback_p50_seconds: callBackSeconds,
      time_to_callback_p90_seconds: callBackSeconds,
      repeat_misses: 0,
      repeat_miss_rate: 0,
      after_hours: 0,
      after_hours_share: 0,
    };
    expect(location.totals).toEqual(expected);
    expect(location.groups).toEqual([
      { label: '2026-03-03', start: `${SINCE.slice(0, 19)}.000Z`, ...expected },
    ]);
    expect(answer.body.all_locations).toBeNull();
    expect(location.time_to_callback.find((b: { count: number }) => b.count > 0)).toMatchObject({
      label: '5–15 min',
      count: 1,
    });
  });

  it('says what became of call.missed at each subscription', async () => {
    const answer = await api(
      t.url,
      t.apiKey,
      'GET',
      `/v1/reports/follow-up?since=${SINCE}&until=${UNTIL}`,
    );
    const subscriptions = answer.body.locations[0].subscriptions;
    expect(
      subscriptions.map((s: Record<string, unknown>) => [
        s.offered,
        s.delivered,
        s.failing,
        s.filtered_out,
        s.filtered_by,
        s.no_source_list,
      ]),
    ).toEqual([
      [3, 3, 0, 0, {}, 0],
      [3, 0, 0, 3, { source_list: 3 }, 3], // the direct lines map to no source list
      [3, 0, 3, 0, {}, 0],
    ]);
    expect(subscriptions[0].target_host).toBe(new URL(good.url).host);
    expect(JSON.stringify(subscriptions)).not.toContain('/hook'); // the path is a secret
  });

  it('refuses a period it cannot read, naming what is wrong', async () => {
    const bad = await api(t.url, t.apiKey, 'GET', '/v1/reports/follow-up?since=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/since must be an ISO 8601 date-time/);
    const long = await api(t.url, t.apiKey, 'GET', '/v1/reports/follow-up?since=400d');
    expect(long.status).toBe(400);
  });
});

describe('GET /v1/reports/reconciliation', () => {
  it("explains the gap between 3CX's unanswered count and call.missed line by line", async () => {
    const answer = await api(
      t.url,
      t.apiKey,
      'GET',
      `/v1/reports/reconciliation?since=${SINCE}&until=${UNTIL}`,
    );
    expect(answer.status).toBe(200);
    const [r] = answer.body.locations;
    expect(r.pbx).toEqual({
      report: 'GetInboundCalls',
      available: true,
      reason: null,
      inbound: 5,
      unanswered: 4,
    });
    expect(r.bridge).toEqual({ missed: 4, fired: 3, folded: 1 });
    const counted = Object.fromEntries(
      r.lines
        .filter((l: { count: number }) => l.count > 0)
        .map((l: { key: string; count: number }) => [l.key, l.count]),
    );
    expect(counted).toEqual({ cooldown: 1 });
    expect(r.lines.find((l: { key: string }) => l.key === 'cooldown').examples).toEqual([
      calls.redial,
    ]);
    expect(r.balanced).toBe(true);
    expect(r.numbers).toEqual({ withheld: 1, unreadable: 0 });
    // The direct lines of 102 (B, C) and 101 (A) map to no source list.
    expect(r.no_source_list).toEqual([
      { dialed_number: '+61881234602', count: 2 },
      { dialed_number: '+61881234601', count: 1 },
    ]);
  });
});

describe('who sees which report', () => {
  it("the admin token reads every location's reports, and nothing else", async () => {
    const second = await t.addLocation('Second Office', 'second');
    await t.tick();
    const all = await api(
      t.url,
      ADMIN,
      'GET',
      `/v1/reports/follow-up?since=${SINCE}&until=${UNTIL}`,
    );
    expect(all.status).toBe(200);
    expect(
      all.body.locations.map((l: { location: { name: string } }) => l.location.name).sort(),
    ).toEqual(['Adelaide Office', 'Second Office']);
    expect(all.body.all_locations.totals.missed).toBe(
      all.body.locations.reduce(
        (n: number, l: { totals: { missed: number } }) => n + l.totals.missed,
        0,
      ),
    );
    const one = await api(t.url, ADMIN, 'GET', `/v1/reports/overview?location=Second%20Office`);
    expect(one.body.locations.map((l: { location: { id: string } }) => l.location.id)).toEqual([
      second.locationId,
    ]);
    // Not a location's calls, hooks or settings.
    const callsAnswer = await api(t.url, ADMIN, 'GET', '/v1/calls');
    expect(callsAnswer.status).toBe(401);
    expect(callsAnswer.body.message).toMatch(
      /admin token reads the reports and the dashboard only/,
    );
    // A location's key sees its own location only.
    const other = await api(
      t.url,
      t.apiKey,
      'GET',
      `/v1/reports/overview?location=${second.locationId}`,
    );
    expect(other.status).toBe(404);
    const own = await api(t.url, second.apiKey, 'GET', '/v1/reports/overview');
    expect(own.body.locations.map((l: { location: { id: string } }) => l.location.id)).toEqual([
      second.locationId,
    ]);
    expect((await api(t.url, 'cxa_not-the-token', 'GET', '/v1/reports/overview')).status).toBe(401);
  });

  it('3cx-bridge report prints the same figures for the same period', async () => {
    const report = (...extra: string[]) =>
      runCli([
        'report',
        '--location',
        'Adelaide Office',
        '--since',
        SINCE,
        '--until',
        UNTIL,
        '--db',
        t.dbPath,
        ...extra,
      ]);
    const out = await report('--json');
    expect(out.code).toBe(0);
    const viaApi = await api(
      t.url,
      t.apiKey,
      'GET',
      `/v1/reports/follow-up?since=${SINCE}&until=${UNTIL}`,
    );
    expect(JSON.parse(out.stdout).locations[0].totals).toEqual(viaApi.body.locations[0].totals);
    const text = await report();
    expect(text.stdout).toMatch(/Adelaide Office/);
    expect(text.stdout).toMatch(/33\.3 %/); // the reply rate
  });
});
