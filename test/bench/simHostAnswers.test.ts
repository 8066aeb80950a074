import { startSimulator, type Simulator } from '../../sim';
import { warmAnswers } from '../../bench/simHost';
import { accessToken, callLogPath, inboundCallsPath } from '../sim/simHttp';

/**
 * The bench's simulator host serialises its back-filled call log before the measured window
 * (bench/simHost.ts `warmAnswers`), and the simulator sends pages as bytes joined from each
 * row's cached bytes (sim/odata/collectionJson.ts). Neither may change a byte the bridge
 * receives: a twin with the same traffic, never warmed and serving every row for the first
 * time, must send the same answers.
 */
describe('the simulator host’s warmed answers are the bytes a cold simulator sends', () => {
  const START = Date.parse('2026-12-05T12:00:00Z');
  let warm: Simulator;
  let cold: Simulator;

  async function backfilled(): Promise<Simulator> {
    const sim = await startSimulator({
      seed: 3,
      callLogDelaySeconds: 300,
      clock: { mode: 'manual', start: START },
    });
    // As the host's `traffic` request back-fills half an hour.
    sim.clock.set(START - 30 * 60_000);
    sim.pbx.startTraffic({ callsPerMinute: 30, seed: 1003 });
    sim.clock.advance(30 * 60);
    sim.pbx.calls();
    return sim;
  }

  beforeAll(async () => {
    warm = await backfilled();
    cold = await backfilled();
    warmAnswers(warm);
  });
  afterAll(async () => {
    await warm?.close();
    await cold?.close();
  });

  const from = new Date(START - 30 * 60_000).toISOString();
  const to = new Date(START).toISOString();
  const reads = [
    ['the call log, whole rows', callLogPath({ periodFrom: from, periodTo: to }, '$top=5000')],
    [
      'the call log, a page of whole rows with its count',
      callLogPath(
        { periodFrom: from, periodTo: to },
        '$orderby=StartTime asc&$top=100&$skip=37&$count=true',
      ),
    ],
    [
      'the call log, the light pass',
      callLogPath(
        { periodFrom: from, periodTo: to },
        '$orderby=StartTime asc&$select=CdrId,CallHistoryId,CallId,StartTime&$top=5000',
      ),
    ],
    [
      'the call log with the queue polls',
      callLogPath({ periodFrom: from, periodTo: to, hidePcalls: false }, '$top=5000'),
    ],
    ['the inbound report', inboundCallsPath(from, to, '$orderby=StartTime asc&$top=5000')],
  ];

  /** The answer's bytes with the simulator's own origin (in `@odata.context`) made neutral. */
  async function served(sim: Simulator, path: string) {
    const token = await accessToken(sim.url);
    const response = await fetch(`${sim.url}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const body = Buffer.from(await response.arrayBuffer());
    const origin = Buffer.from(sim.url.replace(/^http:\/\//, ''));
    const at = body.indexOf(origin);
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      length: response.headers.get('content-length'),
      rows: (JSON.parse(body.toString('utf8')) as { value: unknown[] }).value.length,
      body: Buffer.concat([body.subarray(0, at), body.subarray(at + origin.length)]),
    };
  }

  it.each(reads)('%s', async (_name, path) => {
    const fromWarm = await served(warm, path);
    const fromCold = await served(cold, path);
    expect(fromWarm.status).toBe(200);
    expect(fromWarm.rows).toBeGreaterThan(50);
    // Where the bodies first differ (-1: nowhere) and a short stretch there: a page is large.
    expect(differenceOf(fromWarm.body, fromCold.body)).toEqual({ at: -1 });
    expect({ ...fromWarm, body: null }).toEqual({ ...fromCold, body: null });
    expect(fromWarm.type).toBe('application/json; charset=utf-8');
    expect(Number(fromWarm.length)).toBe(fromWarm.body.length + warm.url.length - 7);
  });
});

function differenceOf(a: Buffer, b: Buffer): { at: number; a?: string; b?: string } {
  if (a.equals(b)) return { at: -1 };
  let at = 0;
  while (at < a.length && at < b.length && a[at] === b[at]) at++;
  const around = (x: Buffer) => x.subarray(Math.max(0, at - 40), at + 40).toString('utf8');
  return { at, a: around(a), b: around(b) };
}
