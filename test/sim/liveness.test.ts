import { startSimulator, type Simulator } from '../../sim';
import { accessToken, callLogPath, inboundCallsPath, xapiGet } from './simHttp';

/** Every leg, the queue's unanswered polls included (`hidePcalls=false`, docs/3cx-facts.md §1.3). */
const DAY = {
  periodFrom: '2026-03-02T00:00:00Z',
  periodTo: '2026-03-03T00:00:00Z',
  hidePcalls: false,
};

/**
 * The race the settle engine must survive (docs/3cx-facts.md §6): a queue call that ends in voicemail
 * has its unanswered queue and agent legs in the call log while the caller is still talking
 * to voicemail. Only after the hang-up does the voicemail leg appear and the call leave
 * /ActiveCalls.
 */
describe('a queue call going to voicemail, seen while it happens', () => {
  let sim: Simulator;
  let token: string;
  beforeAll(async () => {
    sim = await startSimulator();
    token = await accessToken(sim.url);
  });
  afterAll(() => sim.close());

  const log = async () =>
    (await xapiGet(sim.url, callLogPath(DAY), token)).json.value as Record<string, unknown>[];
  const active = async () =>
    (await xapiGet(sim.url, '/xapi/v1/ActiveCalls?$count=true', token)).json;

  it('shows unanswered legs in the log while the call is still active, then the voicemail', async () => {
    const call = sim.pbx.placeCall({
      kind: 'queue',
      result: 'voicemail',
      caller: '+61400111222',
      messageSeconds: 25,
    });
    // Default Sales Queue: first poll after 4 s, 15 s polls, 2 s gaps, voicemail after 90 s.
    expect(call.expected).toEqual({
      direction: 'inbound',
      outcome: 'voicemail',
      voicemail: true,
      voicemailLeft: true,
      agentsRung: ['103', '104', '105', '106'],
      answeredBy: null,
      queue: '8001',
    });
    expect(call.endedAt - call.startedAt).toBe((90 + 6 + 25) * 1000);

    // Ringing: nothing in the log yet, the call is active and ringing the first agent.
    sim.clock.advance(10);
    expect(await log()).toEqual([]);
    let calls = await active();
    expect(calls['@odata.count']).toBe(1);
    expect(calls.value[0]).toEqual({
      Callee: '103',
      Caller: '+61400111222',
      EstablishedAt: '2026-03-02T09:00:00Z',
      Id: call.callId,
      LastChangeStatus: '2026-03-02T09:00:04Z',
      ServerNow: '2026-03-02T09:00:10Z',
      Status: 'Ringing',
    });

    // 30 s in: the first agent's unanswered poll is logged, the call is still live.
    sim.clock.advance(20);
    let rows = await log();
    expect(rows.map((r) => [r.DestinationDn, r.Answered, r.Status])).toEqual([
      ['103', false, 'Unanswered'],
    ]);
    expect((await active())['@odata.count']).toBe(1);

    // 100 s in: the queue gave up and voicemail answered. Queue + every poll are logged,
    // all unanswered, and still the call is active: settling now would be premature.
    sim.clock.advance(70);
    rows = await log();
    expect(rows.map((r) => r.DestinationType)).toEqual([4, 0, 0, 0, 0, 0, 0]);
    expect(rows.filter((r) => r.DestinationType === 0).every((r) => r.Answered === false)).toBe(
      true,
    );
    const queueLeg = rows[0];
    // The facts-sheet quirk: the queue "answered" (music) yet the status is Unanswered.
    expect([queueLeg.Answered, queueLeg.Status, queueLeg.Direction]).toEqual([
      true,
      'Unanswered',
      'Inbound Queue',
    ]);
    expect(rows.some((r) => r.DestinationType === 5)).toBe(false);
    calls = await active();
    expect(calls.value).toEqual([
      expect.objectContaining({
        Id: call.callId,
        Status: 'Talking',
        Callee: '103',
        LastChangeStatus: '2026-03-02T09:01:30Z',
      }),
    ]);
    // The inbound-call report already lists the call, unanswered so far.
    const inbound = await xapiGet(sim.url, inboundCallsPath(DAY.periodFrom, DAY.periodTo), token);
    expect(inbound.json.value).toEqual([
      expect.objectContaining({
        Did: '+61881234501',
        Status: 'Unanswered',
        RuleName: 'Sales line',
      }),
    ]);

    // One millisecond before the hang-up: still active, voicemail leg not yet logged.
    sim.clock.set(call.endedAt - 1);
    expect((await log()).length).toBe(7);
    expect((await active()).value).toHaveLength(1);

    // Hang-up: the voicemail leg appears, ActiveCalls is empty.
    sim.clock.set(call.endedAt);
    rows = await log();
    expect(rows).toHaveLength(8);
    const voicemail = rows[7];
    expect(voicemail).toEqual(
      expect.objectContaining({
        DestinationType: 5,
        DestinationDn: '103',
        Answered: true,
        RingingDuration: 'PT0S',
        TalkingDuration: 'PT31S',
        StartTime: '2026-03-02T09:01:30Z',
      }),
    );
    expect(await active()).toEqual(expect.objectContaining({ '@odata.count': 0, value: [] }));
    const last = await xapiGet(sim.url, '/xapi/v1/LastCdrAndChatMessageTimestamp', token);
    expect(last.json.value).toEqual([{ LastCdrStartedAt: '2026-03-02T09:01:30Z' }]);
  });

  it('keeps a call placed in the future out of every view until it starts', async () => {
    const start = sim.clock.now() + 60_000;
    const call = sim.pbx.placeCall({
      kind: 'direct',
      extension: '101',
      result: 'answered',
      at: start,
    });
    expect((await active()).value.map((c: { Id: number }) => c.Id)).not.toContain(call.callId);
    sim.clock.set(start);
    expect((await active()).value).toEqual([
      expect.objectContaining({ Id: call.callId, Status: 'Ringing', Callee: '101' }),
    ]);
    sim.clock.set(call.legs[0].ringEndedAt);
    expect((await active()).value).toEqual([
      expect.objectContaining({ Id: call.callId, Status: 'Talking' }),
    ]);
    sim.clock.set(call.endedAt);
    expect((await active()).value).toEqual([]);
  });
});
