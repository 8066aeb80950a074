import { startSimulator, type Simulator } from '../../sim';
import { accessToken, callLogPath, odataString, xapiGet } from './simHttp';

const DAY = { periodFrom: '2026-03-02T00:00:00Z', periodTo: '2026-03-03T00:00:00Z' };
const FULL_ARGS = [
  'periodFrom=2026-03-02T00:00:00Z',
  'periodTo=2026-03-03T00:00:00Z',
  'sourceType=0',
  "sourceFilter=''",
  'destinationType=0',
  "destinationFilter=''",
  'callsType=0',
  'callTimeFilterType=0',
  "callTimeFilterFrom='0:00:0'",
  "callTimeFilterTo='0:00:0'",
  'hidePcalls=true',
];
const fn = (args: string[]) => `/xapi/v1/ReportCallLogData/Pbx.GetCallLogData(${args.join(',')})`;
const withArg = (name: string, value: string) =>
  fn(FULL_ARGS.map((a) => (a.startsWith(`${name}=`) ? `${name}=${value}` : a)));

describe('GET …/ReportCallLogData/Pbx.GetCallLogData(…)', () => {
  let sim: Simulator;
  let token: string;
  beforeAll(async () => {
    sim = await startSimulator();
    sim.pbx.placeCall({
      kind: 'direct',
      extension: '106',
      result: 'answered',
      caller: '+61412000001',
      callerName: "Mary O'Neill",
    });
    sim.pbx.placeCall({
      kind: 'direct',
      extension: '102',
      result: 'hangup',
      caller: '+61412000002',
    });
    sim.pbx.placeCall({ kind: 'queue', result: 'voicemail', caller: '+61412000003' });
    sim.clock.advance(600);
    token = await accessToken(sim.url);
  });
  afterAll(() => sim.close());

  it('answers an OData collection of the ended legs', async () => {
    const res = await xapiGet(sim.url, callLogPath(DAY), token);
    expect(res.status).toBe(200);
    expect(res.json['@odata.context']).toMatch(
      /\/xapi\/v1\/\$metadata#Collection\(Pbx\.CallLogData\)$/,
    );
    expect(res.json['@odata.count']).toBeUndefined();
    // Everything but the queue polls nobody answered: `hidePcalls=true` hides them (§8).
    const expectedLegs = sim.pbx
      .calls()
      .reduce((n, c) => n + c.legs.filter((l) => !l.queuePoll).length, 0);
    expect(res.json.value).toHaveLength(expectedLegs);
    const all = await xapiGet(sim.url, callLogPath({ ...DAY, hidePcalls: false }), token);
    expect(all.json.value).toHaveLength(sim.pbx.calls().reduce((n, c) => n + c.legs.length, 0));
  });

  it('answers 404 when any one of the eleven parameters is missing', async () => {
    for (let i = 0; i < FULL_ARGS.length; i++) {
      const res = await xapiGet(sim.url, fn(FULL_ARGS.filter((_, j) => j !== i)), token);
      expect({ missing: FULL_ARGS[i], status: res.status }).toEqual({
        missing: FULL_ARGS[i],
        status: 404,
      });
      expect(res.json.error.code).toBe('');
    }
    expect((await xapiGet(sim.url, fn([...FULL_ARGS, 'extra=1']), token)).status).toBe(404);
    expect((await xapiGet(sim.url, fn([]), token)).status).toBe(404);
  });

  it('answers 404 for the unbound call and for /CallLogData (docs/3cx-facts.md §1.3)', async () => {
    const unbound = await xapiGet(
      sim.url,
      `/xapi/v1/ReportCallLogData(${FULL_ARGS.join(',')})`,
      token,
    );
    expect(unbound.status).toBe(404);
    expect(unbound.json).toEqual({ error: { code: '', message: expect.any(String), details: [] } });
    expect((await xapiGet(sim.url, '/xapi/v1/CallLogData?$top=1', token)).status).toBe(404);
    expect((await xapiGet(sim.url, '/xapi/v1/NoSuchThing', token)).status).toBe(404);
  });

  it('answers 500 for a malformed date, a non-integer int32 or an unquoted string', async () => {
    for (const path of [
      withArg('periodFrom', '2026-03-02'),
      withArg('periodFrom', '2026-02-30T00:00:00Z'),
      withArg('periodTo', "'2026-03-03T00:00:00Z'"),
      withArg('sourceType', '1.5'),
      withArg('callsType', "'0'"),
      withArg('callTimeFilterType', '99999999999'),
      withArg('sourceFilter', 'abc'),
      withArg('hidePcalls', 'yes'),
    ]) {
      const res = await xapiGet(sim.url, path, token);
      expect({ path, status: res.status }).toEqual({ path, status: 500 });
      expect(res.json.error.details[0]).toEqual(
        expect.objectContaining({ message: 'WARNINGS.XAPI.INVALID' }),
      );
    }
  });

  it('accepts dates with fraction digits and offsets', async () => {
    const res = await xapiGet(
      sim.url,
      callLogPath({
        periodFrom: '2026-03-02T10:30:00.0000000%2B10:30',
        periodTo: '2026-03-02T09:10:00.123Z',
      }),
      token,
    );
    expect(res.status).toBe(200);
    expect(res.json.value.length).toBeGreaterThan(0);
  });

  it('answers 504 (a gateway page, not JSON) for a period longer than 31 days', async () => {
    const res = await xapiGet(
      sim.url,
      callLogPath({ periodFrom: '2026-01-01T00:00:00Z', periodTo: '2026-02-02T00:00:01Z' }),
      token,
    );
    expect(res.status).toBe(504);
    expect(res.text).toMatch(/504 Gateway Time-out/);
    const ok = await xapiGet(
      sim.url,
      callLogPath({ periodFrom: '2026-02-01T00:00:00Z', periodTo: '2026-03-04T00:00:00Z' }),
      token,
    );
    expect(ok.status).toBe(200);
  });

  it('only returns legs that started inside [periodFrom, periodTo)', async () => {
    const first = sim.pbx.calls()[0];
    const start = new Date(first.startedAt).toISOString();
    const before = await xapiGet(
      sim.url,
      callLogPath({ periodFrom: '2026-03-01T00:00:00Z', periodTo: start }),
      token,
    );
    expect(before.json.value).toEqual([]);
    const after = await xapiGet(
      sim.url,
      callLogPath({ periodFrom: start, periodTo: '2026-03-02T09:00:00.001Z' }),
      token,
    );
    expect(
      after.json.value.every((r: { StartTime: string }) => r.StartTime === '2026-03-02T09:00:00Z'),
    ).toBe(true);
  });

  it('reads string literals with a doubled quote', async () => {
    const res = await xapiGet(
      sim.url,
      callLogPath({ ...DAY, destinationFilter: "Finn O'Brien" }),
      token,
    );
    expect(res.status).toBe(200);
    expect(res.json.value.length).toBeGreaterThan(0);
    for (const row of res.json.value) expect(row.DestinationDisplayName).toBe("Finn O'Brien");
    const bySource = await xapiGet(
      sim.url,
      callLogPath({ ...DAY, sourceFilter: "Mary O'Neill" }),
      token,
    );
    expect(bySource.json.value.map((r: { SourceCallerId: string }) => r.SourceCallerId)).toEqual([
      '+61412000001',
    ]);
    expect(odataString("O'Brien")).toBe("'O''Brien'");
    // A lone quote inside the literal ends it early: no longer an argument list.
    expect((await xapiGet(sim.url, withArg('destinationFilter', "'O'Brien'"), token)).status).toBe(
      404,
    );
  });

  it('omits null-valued keys instead of sending null', async () => {
    const res = await xapiGet(sim.url, callLogPath(DAY), token);
    expect(res.text).not.toMatch(/:null/);
    const unanswered = res.json.value.find((r: { Answered: boolean }) => r.Answered === false);
    expect(unanswered).not.toHaveProperty('RecordingUrl');
    expect(unanswered).not.toHaveProperty('Summary');
    expect(unanswered).not.toHaveProperty('SentimentScore');
    const answered = res.json.value.find(
      (r: { DestinationDn: string; Answered: boolean }) => r.DestinationDn === '106' && r.Answered,
    );
    expect(answered.RecordingUrl).toMatch(
      /^106\/\[Finn O'Brien\]_106-\+61412000001_20260302090000\(\d+\)\.wav$/,
    );
  });

  it('supports $select, says plainly that it does not simulate $filter, and rejects unknown properties with 400', async () => {
    const sel = await xapiGet(sim.url, callLogPath(DAY, '$select=CdrId,Answered'), token);
    expect(sel.status).toBe(200);
    expect(sel.json.value.length).toBeGreaterThan(0);
    for (const row of sel.json.value)
      expect(Object.keys(row).sort()).toEqual(['Answered', 'CdrId']);
    // No client of ours sends $filter; the simulator refuses it rather than ignore it.
    const filtered = await xapiGet(
      sim.url,
      callLogPath(DAY, `$filter=${encodeURIComponent('Answered eq true')}`),
      token,
    );
    expect(filtered.status).toBe(400);
    expect(JSON.stringify(filtered.json)).toContain('$filter is not simulated');
    expect((await xapiGet(sim.url, callLogPath(DAY, '$orderby=Nope desc'), token)).status).toBe(
      400,
    );
    expect((await xapiGet(sim.url, callLogPath(DAY, '$top=-1'), token)).status).toBe(400);
    expect((await xapiGet(sim.url, callLogPath(DAY, '$frobnicate=1'), token)).status).toBe(400);
  });
});

describe('paging a busy day', () => {
  let sim: Simulator;
  let token: string;
  beforeAll(async () => {
    sim = await startSimulator({ seed: 7 });
    sim.pbx.startTraffic({ callsPerMinute: 20, seed: 11 });
    sim.clock.advance(75 * 60);
    sim.pbx.stopTraffic();
    sim.clock.advance(3600);
    token = await accessToken(sim.url);
  });
  afterAll(() => sim.close());

  it.each(['StartTime desc', 'StartTime asc'])(
    'pages with $top/$skip and $orderby=%s: every leg exactly once, in a stable order',
    async (orderby) => {
      const legs = sim.pbx.calls().flatMap((c) => c.legs.filter((l) => !l.queuePoll));
      const counted = await xapiGet(sim.url, callLogPath(DAY, '$count=true&$top=0'), token);
      const total = counted.json['@odata.count'] as number;
      expect(counted.json.value).toEqual([]);
      expect(total).toBe(legs.length);
      expect(total).toBeGreaterThan(2500);
      const pages: string[][] = [];
      for (let skip = 0; ; skip += 500) {
        const query = `$top=500&$skip=${skip}&$count=true&$orderby=${encodeURIComponent(orderby)}`;
        const page = await xapiGet(sim.url, callLogPath(DAY, query), token);
        expect(page.json['@odata.count']).toBe(total);
        pages.push(
          page.json.value.map(
            (r: { CdrId: string; StartTime: string }) => `${r.StartTime} ${r.CdrId}`,
          ),
        );
        if (page.json.value.length < 500) break;
      }
      const seen = pages.flat();
      expect(new Set(seen).size).toBe(total);
      const times = seen.map((s) => Date.parse(s.split(' ')[0]));
      const sorted = [...times].sort((a, b) => (orderby.endsWith('desc') ? b - a : a - b));
      expect(times).toEqual(sorted);
      // Asking again gives the very same pages: ties never swap places between requests.
      const again = await xapiGet(
        sim.url,
        callLogPath(DAY, `$top=500&$skip=500&$orderby=${encodeURIComponent(orderby)}`),
        token,
      );
      expect(
        again.json.value.map(
          (r: { CdrId: string; StartTime: string }) => `${r.StartTime} ${r.CdrId}`,
        ),
      ).toEqual(pages[1]);
    },
  );
});

describe('a PBX before V20 Update 6 (20.0.4)', () => {
  let sim: Simulator;
  afterAll(() => sim.close());

  it('serves rows without CdrId, CallHistoryId, MainCallHistoryId, Direction, CallType, Status', async () => {
    sim = await startSimulator({ version: '20.0.4.100' });
    const call = sim.pbx.placeCall({ kind: 'queue', result: 'answered' });
    expect(call.callHistoryId).toBeNull();
    sim.clock.advance(600);
    const token = await accessToken(sim.url);
    const res = await xapiGet(sim.url, callLogPath({ ...DAY, hidePcalls: false }), token);
    expect(res.json.value.length).toBe(call.legs.length);
    for (const row of res.json.value) {
      for (const field of [
        'CdrId',
        'CallHistoryId',
        'MainCallHistoryId',
        'Direction',
        'CallType',
        'Status',
      ]) {
        expect(row).not.toHaveProperty(field);
      }
      expect(row.CallId).toBe(call.callId);
    }
    expect((await xapiGet(sim.url, callLogPath(DAY, '$select=CdrId'), token)).status).toBe(400);
  });
});
