import type { CallLeg } from '../../lib/threecx/callLeg';
import type { CallLogKeyRow } from '../../lib/threecx/callLogKeys';
import { ThreeCxClient, type ThreeCxClientOptions } from '../../lib/threecx/client';
import {
  callLogRoute,
  functionParameters,
  legsEvery,
  type CallLogRouteOptions,
} from './callLogRoute';
import { CLIENT_ID, CLIENT_SECRET, FakePbx, PBX, json } from './fakeTransport';

/**
 * `callLogWanted`: the poller's cheap re-read (issue 16). A light pass with `$select`, then
 * only the wanted rows whole; it must return every wanted row whatever the PBX does with
 * `$select`, page sizes, or rows that land between the two passes.
 */
const T0 = Date.UTC(2026, 2, 1);
const HOUR = 3600_000;

function clientFor(pbx: FakePbx, options: Partial<ThreeCxClientOptions> = {}) {
  return new ThreeCxClient({
    pbxUrl: PBX,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    transport: pbx.transport,
    now: () => T0,
    sleep: async () => undefined,
    ...options,
  });
}

function pbxWith(legs: CallLeg[], options: CallLogRouteOptions = { select: true, count: 'total' }) {
  const pbx = new FakePbx();
  pbx.routes.set('/ReportCallLogData', callLogRoute(legs, options));
  return pbx;
}

/** Calls 100, 250 and 251 are new; the rest the caller already holds. */
const isNew = (row: CallLogKeyRow) =>
  ['call-100', 'call-250', 'call-251'].includes(String(row.CallHistoryId));

function wantedIds(legs: CallLeg[]) {
  return legs.filter(isNew).map((l) => l.CdrId);
}

function lightAndWhole(pbx: FakePbx) {
  const requests = pbx.transport.requestsTo('/xapi').map((r) => new URL(r.url).searchParams);
  return {
    light: requests.filter((q) => q.has('$select')),
    whole: requests.filter((q) => !q.has('$select')),
  };
}

/** `[periodFrom, periodTo]` of each whole-row request, in order. */
function wholePeriods(pbx: FakePbx): Array<[number, number]> {
  return pbx.transport
    .requestsTo('/xapi')
    .map((r) => new URL(r.url))
    .filter((url) => !url.searchParams.has('$select'))
    .map((url) => {
      const parameters = functionParameters(url);
      return [
        Date.parse(parameters.get('periodFrom') ?? ''),
        Date.parse(parameters.get('periodTo') ?? ''),
      ];
    });
}

describe('callLogWanted: the cheap re-read of a window', () => {
  it('reads the key fields of the window, then only the wanted rows whole', async () => {
    const legs = legsEvery(T0, 1234, 2);
    const pbx = pbxWith(legs);
    const rows = await clientFor(pbx).callLogWanted({ from: T0, to: T0 + HOUR }, isNew);
    expect(rows.map((r) => r.CdrId)).toEqual(wantedIds(legs));
    // Whole rows, not the light ones.
    expect(rows.every((r) => r.Answered !== undefined)).toBe(true);
    // The light pass in one request (1,234 small rows), then two runs (call 100; calls
    // 250–251), each one request for the seconds its rows start in.
    expect(lightAndWhole(pbx).light.map((q) => q.get('$select'))).toEqual([
      'CdrId,CallHistoryId,CallId,StartTime',
    ]);
    expect(wholePeriods(pbx)).toEqual([
      [T0 + 600_000, T0 + 605_000],
      [T0 + 1_500_000, T0 + 1_511_000],
    ]);
  });

  it('makes no second request when nothing is wanted', async () => {
    const pbx = pbxWith(legsEvery(T0, 90, 2));
    const rows = await clientFor(pbx).callLogWanted({ from: T0, to: T0 + HOUR }, () => false);
    expect(rows).toEqual([]);
    expect(lightAndWhole(pbx).whole).toEqual([]);
  });

  it('uses the light pass as it is when the PBX ignores $select (the rows came whole)', async () => {
    const legs = legsEvery(T0, 1234, 2);
    const pbx = pbxWith(legs, { select: false, count: 'total' });
    const rows = await clientFor(pbx).callLogWanted({ from: T0, to: T0 + HOUR }, isNew);
    expect(rows.filter(isNew).map((r) => r.CdrId)).toEqual(wantedIds(legs));
    expect(lightAndWhole(pbx).whole).toEqual([]);
  });

  it('reads every wanted row from a PBX that caps pages at 100 rows (docs/3cx-facts.md §1.3)', async () => {
    const legs = legsEvery(T0, 1234, 2);
    // Wanted: a run of 150 rows, longer than one capped page.
    const run = (row: CallLogKeyRow) => {
      const n = Number(String(row.CallHistoryId).slice(5));
      return n >= 200 && n < 250;
    };
    const pbx = pbxWith(legs, { select: true, count: 'total', pageCap: 100 });
    const rows = await clientFor(pbx).callLogWanted({ from: T0, to: T0 + HOUR }, run);
    expect(rows.map((r) => r.CdrId)).toEqual(legs.filter(run).map((l) => l.CdrId));
    expect(lightAndWhole(pbx).light.length).toBeGreaterThanOrEqual(13);
  });

  it('still reads only the wanted periods when a leg lands between the passes (positions move, start times do not)', async () => {
    const legs = legsEvery(T0, 1234, 2);
    const pbx = new FakePbx();
    const route = callLogRoute(legs, { select: true, count: 'total' });
    let landed = false;
    pbx.routes.set('/ReportCallLogData', (url) => {
      const answer = route(url);
      // After the light pass, a late leg of an old call lands early in the window: every
      // position after it moves by one.
      if (url.searchParams.get('$select') !== null && !landed) {
        landed = true;
        legs.splice(10, 0, { ...legs[10], CdrId: 'late-leg', CallHistoryId: 'call-3' });
      }
      return answer;
    });
    const rows = await clientFor(pbx).callLogWanted({ from: T0, to: T0 + HOUR }, isNew);
    expect(rows.filter(isNew).map((r) => r.CdrId)).toEqual(wantedIds(legs));
    expect(landed).toBe(true);
    expect(wholePeriods(pbx)).toEqual([
      [T0 + 600_000, T0 + 605_000],
      [T0 + 1_500_000, T0 + 1_511_000],
    ]);
  });

  it('reads the whole window when a wanted row is missing from its period (a PBX that cuts periods by call start)', async () => {
    const legs = legsEvery(T0, 1234, 2);
    const pbx = new FakePbx();
    const route = callLogRoute(legs, { select: true, count: 'total' });
    const callStart = new Map<string, number>();
    for (const leg of legs)
      if (!callStart.has(String(leg.CallHistoryId)))
        callStart.set(String(leg.CallHistoryId), Date.parse(leg.StartTime));
    pbx.routes.set('/ReportCallLogData', (url) => {
      const answer = route(url);
      const from = Date.parse(functionParameters(url).get('periodFrom') ?? '');
      const body = answer.body as { value: CallLeg[] };
      // Such a PBX leaves out the legs of calls that started before the period.
      return {
        ...answer,
        body: {
          ...body,
          value: body.value.filter((l) => callStart.get(String(l.CallHistoryId))! >= from),
        },
      };
    });
    // Wanted: the second leg of call 100 only; its call started two seconds before it.
    const second = (row: CallLogKeyRow) => row.CdrId === 'cdr-301';
    const rows = await clientFor(pbx).callLogWanted({ from: T0, to: T0 + HOUR }, second);
    expect(rows.filter(second).map((r) => r.CdrId)).toEqual(['cdr-301']);
    expect(wholePeriods(pbx)).toEqual([
      [T0 + 602_000, T0 + 603_000],
      [T0, T0 + HOUR],
      [T0, T0 + HOUR],
      [T0, T0 + HOUR],
    ]);
  });

  it('falls back to whole reads for good on a PBX that refuses the $select (before V20 Update 6)', async () => {
    const legs = legsEvery(T0, 300, 2);
    const pbx = new FakePbx();
    const route = callLogRoute(legs, { count: 'total' });
    pbx.routes.set('/ReportCallLogData', (url) =>
      url.searchParams.has('$select')
        ? json(400, { error: { code: '', message: "Could not find a property named 'CdrId'" } })
        : route(url),
    );
    const client = clientFor(pbx);
    for (let i = 0; i < 2; i++) {
      const rows = await client.callLogWanted({ from: T0, to: T0 + HOUR }, isNew);
      expect(rows.filter(isNew).map((r) => r.CdrId)).toEqual(wantedIds(legs));
    }
    expect(lightAndWhole(pbx).light).toHaveLength(1);
  });
});

describe('callLogWanted: fewer requests, and no waiting one after another', () => {
  /** Calls 100, 104 and 108: runs of three rows with nine unwanted rows between them. */
  const closeRuns = (row: CallLogKeyRow) =>
    ['call-100', 'call-104', 'call-108'].includes(String(row.CallHistoryId));

  it('reads runs of wanted rows a few rows apart in one request', async () => {
    const legs = legsEvery(T0, 1234, 2);
    const pbx = pbxWith(legs);
    const rows = await clientFor(pbx).callLogWanted({ from: T0, to: T0 + HOUR }, closeRuns);
    expect(rows.filter(closeRuns).map((r) => r.CdrId)).toEqual(
      legs.filter(closeRuns).map((l) => l.CdrId),
    );
    // One period from call 100's first leg (row 300) to call 108's last (row 326).
    expect(wholePeriods(pbx)).toEqual([[T0 + 600_000, T0 + 653_000]]);
  });

  it('sends the targeted reads of runs far apart together, not one after the other', async () => {
    const legs = legsEvery(T0, 1234, 2);
    const pbx = pbxWith(legs);
    let inFlight = 0;
    let most = 0;
    const client = clientFor(pbx, {
      transport: {
        request: async (request) => {
          inFlight++;
          most = Math.max(most, inFlight);
          // An answer takes a turn of the event loop, as one over the network would.
          await new Promise((resolve) => setImmediate(resolve));
          try {
            return await pbx.transport.request(request);
          } finally {
            inFlight--;
          }
        },
      },
    });
    const rows = await client.callLogWanted({ from: T0, to: T0 + HOUR }, isNew);
    expect(rows.map((r) => r.CdrId)).toEqual(wantedIds(legs));
    expect(wholePeriods(pbx)).toHaveLength(2);
    expect(most).toBe(2);
  });
});

describe('callLogWanted with onLightPass: the rows as of the light pass', () => {
  it('says how many rows are wanted once the light pass is read, before any targeted read', async () => {
    const legs = legsEvery(T0, 1234, 2);
    const pbx = pbxWith(legs);
    const told: Array<[number, number]> = [];
    await clientFor(pbx).callLogWanted({ from: T0, to: T0 + HOUR }, isNew, {
      onLightPass: (wanted) => told.push([wanted, pbx.transport.requestsTo('/xapi').length]),
    });
    // Told after the one light-pass request, with the 9 rows of calls 100, 250 and 251.
    expect(told).toEqual([[9, 1]]);
  });

  it('leaves a leg logged after the light pass to the next read', async () => {
    const legs = legsEvery(T0, 1234, 2);
    const pbx = new FakePbx();
    const route = callLogRoute(legs, { select: true, count: 'total' });
    pbx.routes.set('/ReportCallLogData', (url) => {
      const answer = route(url);
      // After the light pass, call 250 gets a fourth leg, inside the period read for it.
      if (url.searchParams.has('$select') && !legs.some((l) => l.CdrId === 'late-leg'))
        legs.splice(752, 0, { ...legs[751], CdrId: 'late-leg' });
      return answer;
    });
    const client = clientFor(pbx);
    const period = { from: T0, to: T0 + HOUR };
    const first = await client.callLogWanted(period, isNew, { onLightPass: () => undefined });
    expect(first.map((r) => r.CdrId)).not.toContain('late-leg');
    expect(first.filter(isNew)).toHaveLength(9);
    // The next read has it; without onLightPass the read returns it at once.
    const next = await client.callLogWanted(period, isNew, { onLightPass: () => undefined });
    expect(next.map((r) => r.CdrId)).toContain('late-leg');
  });

  it('is not told when the period is read in several windows (a later light pass sees later rows)', async () => {
    const legs = legsEvery(T0, 1234, 2);
    const pbx = pbxWith(legs, { select: true, count: 'total', maxPeriodMs: HOUR / 2 });
    const client = clientFor(pbx, { minWindowMs: 60_000 });
    const told: number[] = [];
    const rows = await client.callLogWanted({ from: T0, to: T0 + HOUR }, isNew, {
      onLightPass: (wanted) => told.push(wanted),
    });
    expect(rows.filter(isNew).map((r) => r.CdrId)).toEqual(wantedIds(legs));
    expect(told).toEqual([]);
  });
});

describe('the plain call log on a PBX that caps pages at 100 rows (docs/3cx-facts.md §1.3)', () => {
  it('reads on past the short page while the count says rows remain', async () => {
    const legs = legsEvery(T0, 1234, 2);
    const pbx = pbxWith(legs, { count: 'total', pageCap: 100 });
    const rows = await clientFor(pbx).callLog({ from: T0, to: T0 + HOUR });
    expect(rows.map((r) => r.CdrId)).toEqual(legs.map((l) => l.CdrId));
    const skips = pbx.transport
      .requestsTo('/xapi')
      .map((r) => Number(new URL(r.url).searchParams.get('$skip')));
    expect(skips.slice(0, 3)).toEqual([0, 100, 200]);
  });
});

describe('the inbound-calls report with only some fields', () => {
  const row = { CdrId: 'c1', CallHistoryId: 'h1', Did: '+61881234567', SourceDn: '10000' };

  it('asks for them (and CdrId) with $select', async () => {
    const pbx = new FakePbx();
    pbx.routes.set('/ReportInboundCalls', () => json(200, { value: [row] }));
    const rows = await clientFor(pbx).inboundCalls({ from: T0, to: T0 + HOUR }, ['Did']);
    expect(rows).toEqual([row]);
    const [request] = pbx.transport.requestsTo('/xapi');
    expect(new URL(request.url).searchParams.get('$select')).toBe('CdrId,Did');
  });

  it('asks again for whole rows when the PBX refuses the $select, and from then on', async () => {
    const pbx = new FakePbx();
    pbx.routes.set('/ReportInboundCalls', (url) =>
      url.searchParams.has('$select')
        ? json(400, { error: { code: '', message: "Could not find a property named 'Did'" } })
        : json(200, { value: [row] }),
    );
    const client = clientFor(pbx);
    expect(await client.inboundCalls({ from: T0, to: T0 + HOUR }, ['Did'])).toEqual([row]);
    expect(await client.inboundCalls({ from: T0, to: T0 + HOUR }, ['Did'])).toEqual([row]);
    const selects = pbx.transport
      .requestsTo('/xapi')
      .map((r) => new URL(r.url).searchParams.has('$select'));
    expect(selects).toEqual([true, false, false]);
  });
});
