import type { CallLeg } from '../../lib/threecx/callLeg';
import type { CallLogKeyRow } from '../../lib/threecx/callLogKeys';
import { ThreeCxClient } from '../../lib/threecx/client';
import { callLogRoute, legsEvery, type CallLogRouteOptions } from './callLogRoute';
import { CLIENT_ID, CLIENT_SECRET, FakePbx, PBX, json } from './fakeTransport';

/**
 * `callLogWanted`: the poller's cheap re-read (issue 16). A light pass with `$select`, then
 * only the wanted rows whole; it must return every wanted row whatever the PBX does with
 * `$select`, page sizes, or rows that land between the two passes.
 */
const T0 = Date.UTC(2026, 2, 1);
const HOUR = 3600_000;

function clientFor(pbx: FakePbx) {
  return new ThreeCxClient({
    pbxUrl: PBX,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    transport: pbx.transport,
    now: () => T0,
    sleep: async () => undefined,
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

describe('callLogWanted: the cheap re-read of a window', () => {
  it('reads the key fields of the window, then only the wanted rows whole', async () => {
    const legs = legsEvery(T0, 1234, 2);
    const pbx = pbxWith(legs);
    const rows = await clientFor(pbx).callLogWanted({ from: T0, to: T0 + HOUR }, isNew);
    expect(rows.map((r) => r.CdrId)).toEqual(wantedIds(legs));
    // Whole rows, not the light ones.
    expect(rows.every((r) => r.Answered !== undefined)).toBe(true);
    const { light, whole } = lightAndWhole(pbx);
    expect(light.map((q) => q.get('$select'))).toEqual([
      'CdrId,CallHistoryId,CallId,StartTime',
      'CdrId,CallHistoryId,CallId,StartTime',
      'CdrId,CallHistoryId,CallId,StartTime',
    ]);
    // Two runs of positions (call 100; calls 250–251), each one request of just those rows.
    expect(whole.map((q) => `${q.get('$skip')}+${q.get('$top')}`)).toEqual(['300+3', '750+6']);
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

  it('reads the whole rows from the earliest wanted start when a leg lands between the passes', async () => {
    const legs = legsEvery(T0, 1234, 2);
    const pbx = new FakePbx();
    const route = callLogRoute(legs, { select: true, count: 'total' });
    let landed = false;
    pbx.routes.set('/ReportCallLogData', (url) => {
      const answer = route(url);
      // After the light pass, a late leg of an old call lands early in the window: every
      // position after it moves by one.
      if (
        url.searchParams.get('$select') !== null &&
        !landed &&
        url.searchParams.get('$skip') === '1000'
      ) {
        landed = true;
        legs.splice(10, 0, { ...legs[10], CdrId: 'late-leg', CallHistoryId: 'call-3' });
      }
      return answer;
    });
    const rows = await clientFor(pbx).callLogWanted({ from: T0, to: T0 + HOUR }, isNew);
    expect(rows.filter(isNew).map((r) => r.CdrId)).toEqual(wantedIds(legs));
    expect(landed).toBe(true);
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
