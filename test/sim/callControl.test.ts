import WebSocket from 'ws';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../sim';
import { accessToken } from './simHttp';

/**
 * The simulator's Call Control API (docs/3cx-facts.md §2): REST, the WebSocket, per-client
 * monitored lists, the quirks of §2.4 and the faults, all derived from the scripted calls.
 */
interface Frame {
  sequence: number;
  event: { event_type: number; entity: string; attached_data: unknown };
}

const CALLER = '+61412345678';

async function simulator(
  monitor: string[] | null,
  extra: Partial<SimulatorOptions> = {},
): Promise<Simulator> {
  return startSimulator({
    clients: [
      {
        clientId: '900',
        clientSecret: 'cc-secret',
        callControl: monitor === null ? null : { monitor },
      },
    ],
    callControl: { duplicateUpserts: 0 },
    ...extra,
  });
}

async function ccGet(sim: Simulator, token: string, path: string) {
  const res = await fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : null };
}

/** An open socket and every frame it got. */
async function openStream(sim: Simulator, token: string) {
  const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/callcontrol/ws`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const frames: Frame[] = [];
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on('message', (data) => frames.push(JSON.parse(data.toString()) as Frame));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, frames, closed };
}

/** Upgrade refused: the HTTP status the server answered. */
function refusedStatus(sim: Simulator, token: string | null): Promise<number> {
  const ws = new WebSocket(`${sim.url.replace('http', 'ws')}/callcontrol/ws`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return new Promise((resolve) => {
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => {
      resolve(101);
      ws.close();
    });
    ws.on('error', () => resolve(0));
  });
}

/** Let the sim's 20 ms ticker send what the clock move produced. */
const settle = (ms = 80) => new Promise((r) => setTimeout(r, ms));

async function step(sim: Simulator, seconds: number): Promise<void> {
  sim.clock.advance(seconds);
  await settle();
}

const entityOf = (f: Frame) => f.event.entity;
const kinds = (frames: Frame[]) =>
  frames.map((f) => `${f.event.event_type === 0 ? 'upsert' : 'remove'} ${f.event.entity}`);

describe('Call Control in the simulator', () => {
  let sim: Simulator;
  afterEach(() => sim?.close());

  it('refuses a client without Call Control access (REST 403, socket 403) and a bad token (401)', async () => {
    sim = await simulator(null);
    const token = await accessToken(sim.url, '900', 'cc-secret');
    expect((await ccGet(sim, token, '/callcontrol')).status).toBe(403);
    expect(await refusedStatus(sim, token)).toBe(403);
    expect(await refusedStatus(sim, null)).toBe(401);
    expect((await ccGet(sim, 'nonsense', '/callcontrol')).status).toBe(401);
  });

  it('snapshot: the route point and every monitored DN with its devices and participants', async () => {
    sim = await simulator(['101', '102', '8001']);
    const token = await accessToken(sim.url, '900', 'cc-secret');
    sim.pbx.placeCall({ kind: 'direct', extension: '102', result: 'hangup', ringSeconds: 10 });
    sim.clock.advance(1);
    const { status, body } = await ccGet(sim, token, '/callcontrol');
    expect(status).toBe(200);
    const infos = body as unknown as Array<{
      dn: string;
      type: string;
      devices: unknown[];
      participants: Array<Record<string, unknown>>;
    }>;
    expect(infos.map((i) => [i.dn, i.type])).toEqual([
      ['900', 'Wroutepoint'],
      ['101', 'Wextension'],
      ['102', 'Wextension'],
      ['8001', 'Wqueue'],
    ]);
    // Extension 101 has a desk phone and the app: two devices.
    expect(infos[1].devices).toHaveLength(2);
    expect(infos[2].participants).toEqual([
      expect.objectContaining({
        dn: '102',
        status: 'Ringing',
        party_caller_id: expect.stringMatching(/^\+61/),
        party_dn: '10000',
        party_dn_type: 'Wexternalline',
        party_did: '',
        originated_by_type: 'Wexternalline',
        on_behalf_of_type: 'None',
        callid: expect.any(Number),
        legid: expect.any(Number),
      }),
    ]);
  });

  it('a direct call: upsert while it rings, the GET shows it, remove at hang-up, then 404', async () => {
    sim = await simulator(['102']);
    const token = await accessToken(sim.url, '900', 'cc-secret');
    const { frames } = await openStream(sim, token);
    const call = sim.pbx.placeCall({
      kind: 'direct',
      extension: '102',
      result: 'hangup',
      ringSeconds: 10,
      caller: CALLER,
    });
    await step(sim, 1);
    expect(frames).toHaveLength(1);
    expect(frames[0]).toEqual({
      sequence: 1,
      event: {
        event_type: 0,
        entity: expect.stringMatching(/^\/callcontrol\/102\/participants\/\d+$/),
        attached_data: null,
      },
    });
    const got = await ccGet(sim, token, entityOf(frames[0]));
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      status: 'Ringing',
      dn: '102',
      party_caller_id: CALLER,
      callid: call.callId,
    });
    await step(sim, 10);
    expect(frames.map((f) => f.event.event_type)).toEqual([0, 1]);
    expect(frames[1].sequence).toBe(2);
    expect(entityOf(frames[1])).toBe(entityOf(frames[0]));
    // After a remove the entity is gone (docs/3cx-facts.md §2.4).
    expect((await ccGet(sim, token, entityOf(frames[0]))).status).toBe(404);
  });

  it('announces every participant of traffic that began while the view was being advanced', async () => {
    // Placing the traffic due takes time (and the process may be descheduled meanwhile): here
    // every look's placing moves the clock 300 ms. A call that began in that gap must still
    // ring with an upsert (docs/3cx-facts.md §2.2: events flow while the socket is open), not
    // be placed at the next look as a call of the past, its first states applied silently:
    // the bridge then never saw it ring (BENCHMARKS.md "Call Control latency under contention").
    sim = await simulator(null);
    const state = sim.callControl.state as unknown as {
      pbx: Pick<Simulator['pbx'], 'callsSince'>;
      advance: () => Array<{ kind: string; dn: string; id: number }>;
    };
    const pbx = sim.pbx;
    state.pbx = {
      callsSince: (seen) => {
        const calls = pbx.callsSince(seen);
        sim.clock.advance(0.3);
        return calls;
      },
    };
    pbx.startTraffic({ callsPerMinute: 600, seed: 7 });
    const announced = new Set<string>();
    const unannounced: string[] = [];
    for (let look = 0; look < 200; look++) {
      for (const change of state.advance()) {
        const key = `${change.dn}/${change.id}`;
        if (change.kind === 'upsert') announced.add(key);
        else if (!announced.has(key)) unannounced.push(key);
      }
    }
    expect(pbx.calls().length).toBeGreaterThan(300);
    expect(announced.size).toBeGreaterThan(300);
    expect(unannounced).toEqual([]);
  });

  it('an empty monitored list means no events at all', async () => {
    sim = await simulator([]);
    const token = await accessToken(sim.url, '900', 'cc-secret');
    const { frames } = await openStream(sim, token);
    sim.pbx.placeCall({ kind: 'direct', extension: '102', result: 'answered' });
    await step(sim, 200);
    expect(frames).toEqual([]);
  });

  it('a caller who hangs up in the IVR or before the queue rings anyone produces nothing', async () => {
    sim = await simulator(['101', '102', '103', '104', '105', '106']);
    const token = await accessToken(sim.url, '900', 'cc-secret');
    const { frames } = await openStream(sim, token);
    sim.pbx.placeCall({ kind: 'ivr', menuSeconds: 6 });
    sim.pbx.placeCall({ kind: 'queue', result: 'hangup', waitSeconds: 3 });
    await step(sim, 60);
    expect(frames).toEqual([]);
  });

  it('far-side participants answer 403; an unknown participant 404', async () => {
    sim = await simulator(['102']);
    const token = await accessToken(sim.url, '900', 'cc-secret');
    sim.pbx.placeCall({ kind: 'queue', result: 'hangup', waitSeconds: 30 });
    await step(sim, 5);
    // The queue's participant exists (the caller waits there), but this client does not monitor it.
    expect((await ccGet(sim, token, '/callcontrol/8001/participants/1')).status).toBe(403);
    expect((await ccGet(sim, token, '/callcontrol/102/participants/99999')).status).toBe(404);
  });

  it('queue waves: the agent participants go between waves while the caller waits in the queue', async () => {
    sim = await simulator(['8001', '103', '104']);
    const token = await accessToken(sim.url, '900', 'cc-secret');
    const { frames } = await openStream(sim, token);
    // Default queue: first poll after 4 s, 15 s per poll, 2 s between waves, agents 103, 104, …
    sim.pbx.placeCall({ kind: 'queue', result: 'answered', answeredOnPoll: 2, pickupSeconds: 3 });
    await step(sim, 1);
    expect(kinds(frames)).toEqual([expect.stringMatching(/^upsert \/callcontrol\/8001\//)]);
    await step(sim, 4); // t=5: 103 rings
    await step(sim, 15); // t=20: 103 gave up, the wave gap
    const inGap = kinds(frames);
    expect(inGap.filter((k) => k.startsWith('remove /callcontrol/103/'))).toHaveLength(1);
    expect(inGap.some((k) => k.startsWith('remove /callcontrol/8001/'))).toBe(false);
    const queueEntity = entityOf(frames[0]);
    expect((await ccGet(sim, token, queueEntity)).body).toMatchObject({ status: 'Connected' });
    await step(sim, 2); // t=22: 104 rings
    await step(sim, 3); // t=25: 104 answers; the queue lets go of the caller
    const agent = frames.find((f) => f.event.entity.startsWith('/callcontrol/104/'))!;
    expect((await ccGet(sim, token, entityOf(agent))).body).toMatchObject({
      status: 'Connected',
      on_behalf_of_dn: '8001',
      on_behalf_of_type: 'Wqueue',
    });
    expect(kinds(frames)).toContain(`remove ${queueEntity}`);
  });

  it('sibling devices: one DN rings as two participants, one remove is not the end of the call', async () => {
    sim = await simulator(['101']);
    const token = await accessToken(sim.url, '900', 'cc-secret');
    const { frames } = await openStream(sim, token);
    sim.pbx.placeCall({
      kind: 'direct',
      extension: '101',
      result: 'answered',
      ringSeconds: 5,
      talkSeconds: 30,
    });
    await step(sim, 1);
    expect(frames).toHaveLength(2);
    const [desk, app] = frames.map(entityOf);
    expect(desk).not.toBe(app);
    await step(sim, 5);
    // The desk phone answered: it is upserted Connected, the app is removed.
    expect(kinds(frames).slice(2)).toEqual([`upsert ${desk}`, `remove ${app}`]);
    expect((await ccGet(sim, token, desk)).body).toMatchObject({ status: 'Connected' });
    await step(sim, 30);
    expect(kinds(frames).slice(4)).toEqual([`remove ${desk}`]);
  });

  it('voicemail is a Wspecialmenu participant; the trunk participant follows the caller', async () => {
    sim = await simulator(['10000', '102', '666']);
    const token = await accessToken(sim.url, '900', 'cc-secret');
    const { frames } = await openStream(sim, token);
    sim.pbx.placeCall({
      kind: 'direct',
      extension: '102',
      result: 'voicemail',
      ringSeconds: 10,
      messageSeconds: 10,
    });
    await step(sim, 1);
    const trunk = frames.find((f) => entityOf(f).startsWith('/callcontrol/10000/'))!;
    expect((await ccGet(sim, token, entityOf(trunk))).body).toMatchObject({
      status: 'Dialing',
      party_dn: '102',
      party_dn_type: 'Wextension',
    });
    await step(sim, 11);
    const vm = frames.find((f) => entityOf(f).startsWith('/callcontrol/666/'))!;
    expect((await ccGet(sim, token, entityOf(vm))).body).toMatchObject({
      status: 'Connected',
      dn: '666',
      on_behalf_of_dn: '102',
    });
    expect((await ccGet(sim, token, entityOf(trunk))).body).toMatchObject({
      status: 'Connected',
      party_dn: '666',
      party_dn_type: 'Wspecialmenu',
    });
    await step(sim, 30);
    // The caller's own participant goes last: the end of the call.
    expect(kinds(frames).at(-1)).toBe(`remove ${entityOf(trunk)}`);
  });

  it('identical upserts repeat (a seeded share is sent twice)', async () => {
    sim = await simulator(['101', '102', '103', '104', '105'], {
      callControl: { duplicateUpserts: 0.5 },
    });
    const token = await accessToken(sim.url, '900', 'cc-secret');
    const { frames } = await openStream(sim, token);
    for (let i = 0; i < 10; i++)
      sim.pbx.placeCall({
        kind: 'direct',
        extension: '102',
        result: 'answered',
        at: sim.clock.now() + i * 1000,
      });
    await step(sim, 120);
    const upserts = frames.filter((f) => f.event.event_type === 0).map(entityOf);
    expect(upserts.length).toBeGreaterThan(new Set(upserts).size);
    expect(frames.map((f) => f.sequence)).toEqual(frames.map((_, i) => i + 1));
  });

  it('faults: streamDrop cuts sockets and refuses new ones while it lasts', async () => {
    sim = await simulator(['102']);
    const token = await accessToken(sim.url, '900', 'cc-secret');
    const { closed } = await openStream(sim, token);
    sim.faults.inject({ kind: 'streamDrop', forSeconds: 5 });
    expect((await closed).code).toBe(1006);
    expect(await refusedStatus(sim, token)).toBe(0);
    sim.clock.advance(5);
    expect(await refusedStatus(sim, token)).toBe(101);
  });

  it('faults: streamStall silences a socket for good (no events, no pongs)', async () => {
    sim = await simulator(['102']);
    const token = await accessToken(sim.url, '900', 'cc-secret');
    const { ws, frames } = await openStream(sim, token);
    sim.faults.inject({ kind: 'streamStall', forSeconds: 1 });
    let ponged = false;
    ws.on('pong', () => (ponged = true));
    ws.ping();
    sim.pbx.placeCall({ kind: 'direct', extension: '102', result: 'hangup' });
    await step(sim, 2);
    await settle(200);
    expect(frames).toEqual([]);
    expect(ponged).toBe(false);
    ws.terminate();
    const fresh = await openStream(sim, token);
    sim.pbx.placeCall({ kind: 'direct', extension: '102', result: 'hangup' });
    await step(sim, 1);
    expect(fresh.frames).toHaveLength(1);
    fresh.ws.close();
  });

  it('faults: a token revoked mid-stream closes the socket; the old token gets 401', async () => {
    sim = await simulator(['102']);
    const token = await accessToken(sim.url, '900', 'cc-secret');
    const { closed } = await openStream(sim, token);
    sim.faults.inject({ kind: 'unauthorizedStorm', forSeconds: 1 });
    expect(await closed).toEqual({ code: 1008, reason: 'token revoked' });
    sim.clock.advance(1);
    expect(await refusedStatus(sim, token)).toBe(401);
    expect((await ccGet(sim, token, '/callcontrol')).status).toBe(401);
    const renewed = await accessToken(sim.url, '900', 'cc-secret');
    expect((await ccGet(sim, renewed, '/callcontrol')).status).toBe(200);
  });

  it('faults: forbidden answers 403 on participant GETs', async () => {
    sim = await simulator(['102']);
    const token = await accessToken(sim.url, '900', 'cc-secret');
    const { frames } = await openStream(sim, token);
    sim.pbx.placeCall({ kind: 'direct', extension: '102', result: 'hangup' });
    await step(sim, 1);
    sim.faults.inject({ kind: 'forbidden', forSeconds: 10 });
    expect((await ccGet(sim, token, entityOf(frames[0]))).status).toBe(403);
    expect((await ccGet(sim, token, '/callcontrol')).status).toBe(200);
  });
});
