import { startSimulator, type SimCall, type Simulator } from '../../sim';
import { simPost, type Json } from './simHttp';

describe('the /_sim control API', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator();
  });
  afterAll(() => sim.close());

  it('places a call and returns its ground truth (201), lists and fetches calls', async () => {
    const placed = await simPost(sim.url, '/_sim/calls', {
      kind: 'direct',
      extension: '103',
      result: 'voicemail',
      caller: '+61411222333',
    });
    expect(placed.status).toBe(201);
    const call = placed.json as SimCall;
    expect(call).toEqual(
      expect.objectContaining({
        callId: expect.any(Number),
        callHistoryId: expect.stringMatching(/^00000000-/),
        kind: 'direct',
        did: '+61881234603',
        caller: '+61411222333',
        startedAt: Date.parse('2026-03-02T09:00:00Z'),
        expected: {
          direction: 'inbound',
          outcome: 'voicemail',
          voicemail: true,
          voicemailLeft: true,
          agentsRung: ['103'],
          answeredBy: null,
          queue: null,
        },
      }),
    );
    expect(call.legs.map((l) => [l.destinationKind, l.endedAt - l.startedAt])).toEqual([
      ['extension', 20000],
      ['voicemail', 26000],
    ]);
    expect(call.endedAt).toBe(call.legs[1].endedAt);

    const batch = await simPost(sim.url, '/_sim/calls', [
      { kind: 'internal', from: '101', to: '102', result: 'answered' },
      { kind: 'outbound', from: '101', result: 'unanswered' },
    ]);
    expect(batch.status).toBe(201);
    expect(batch.json).toHaveLength(2);

    const list = (await (await fetch(`${sim.url}/_sim/calls`)).json()) as SimCall[];
    expect(list.map((c) => c.callId)).toEqual([
      call.callId,
      ...batch.json.map((c: SimCall) => c.callId),
    ]);
    const one = await fetch(`${sim.url}/_sim/calls/${call.callId}`);
    expect(((await one.json()) as SimCall).callHistoryId).toBe(call.callHistoryId);
    expect((await fetch(`${sim.url}/_sim/calls/99999`)).status).toBe(404);
  });

  it('rejects scripts it cannot play with 400 and a reason', async () => {
    for (const [script, reason] of [
      [{ kind: 'direct', extension: '999', result: 'answered' }, /999/],
      [{ kind: 'direct', extension: '101', result: 'maybe' }, /result/],
      [
        { kind: 'direct', extension: '101', result: 'answered', colour: 'red' },
        /colour|Unrecognized/,
      ],
      [{ kind: 'queue', result: 'answered', answeredOnPoll: 9 }, /max wait/],
      [{ kind: 'queue', result: 'hangup', waitSeconds: 200 }, /max wait/],
      [{ kind: 'ringGroup', result: 'answered', answeredBy: '101' }, /not a member/],
      [{ kind: 'internal', from: '101', to: '101', result: 'answered' }, /itself/],
      [{ kind: 'direct', extension: '101', result: 'answered', did: '+61000' }, /DID/],
      [{ kind: 'teleport' }, /kind/],
    ] as const) {
      const res = await simPost(sim.url, '/_sim/calls', script);
      expect({ script, status: res.status }).toEqual({ script, status: 400 });
      expect(res.json.error).toMatch(reason);
    }
  });

  it('reads, advances and sets the clock', async () => {
    const state = await (await fetch(`${sim.url}/_sim/clock`)).json();
    expect(state).toEqual({
      now: Date.parse('2026-03-02T09:00:00Z'),
      iso: '2026-03-02T09:00:00.000Z',
      mode: 'manual',
      factor: 0,
    });
    const advanced = await simPost(sim.url, '/_sim/clock/advance', { seconds: 90.5 });
    expect(advanced.json.iso).toBe('2026-03-02T09:01:30.500Z');
    const set = await simPost(sim.url, '/_sim/clock', { at: '2026-03-03T00:00:00Z' });
    expect(set.json.now).toBe(Date.parse('2026-03-03T00:00:00Z'));
    const accelerated = await simPost(sim.url, '/_sim/clock', { mode: 'accelerated', factor: 120 });
    expect(accelerated.json).toEqual(expect.objectContaining({ mode: 'accelerated', factor: 120 }));
    const manual = await simPost(sim.url, '/_sim/clock', { mode: 'manual' });
    expect(manual.json.mode).toBe('manual');
    expect((await simPost(sim.url, '/_sim/clock/advance', { seconds: -1 })).status).toBe(400);
  });

  it('describes the PBX and answers unknown control routes with 404', async () => {
    const info: Json = await (await fetch(`${sim.url}/_sim`)).json();
    expect(info.version).toBe('20.0.10.1040');
    expect(info.clients).toEqual([
      { clientId: 'bridge', role: 'system_owner', xapiEnabled: true, callControl: null },
    ]);
    expect(JSON.stringify(info)).not.toContain('bridge-secret');
    expect(info.directory.queues[0]).toEqual(
      expect.objectContaining({ dn: '8001', name: 'Sales Queue' }),
    );
    expect((await fetch(`${sim.url}/_sim/nope`)).status).toBe(404);
  });
});
