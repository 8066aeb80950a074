import { startSimulator, type Simulator } from '../../sim';

/** Queue polling with a custom queue: two agents per wave, a short max wait. */
describe('queue polling waves', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({
      queues: [
        {
          dn: '8001',
          name: 'Sales Queue',
          agents: ['101', '102', '103'],
          pollSeconds: 10,
          waveSize: 2,
          firstPollSeconds: 2,
          waveGapSeconds: 1,
          maxWaitSeconds: 30,
          voicemailBox: '101',
        },
      ],
    });
  });
  afterAll(() => sim.close());

  const legTimes = (callId: number) =>
    sim.pbx
      .call(callId)!
      .legs.filter((l) => l.destinationKind === 'extension')
      .map((l) => [
        l.row.DestinationDn,
        (l.startedAt - sim.pbx.call(callId)!.startedAt) / 1000,
        (l.ringEndedAt - l.startedAt) / 1000,
        l.row.Answered,
      ]);

  it('rings agents two at a time, rotating through the agents', () => {
    const call = sim.pbx.placeCall({ kind: 'queue', result: 'voicemail', messageSeconds: 0 });
    expect(legTimes(call.callId)).toEqual([
      ['101', 2, 10, false],
      ['102', 2, 10, false],
      ['103', 13, 10, false],
      ['101', 13, 10, false],
      ['102', 24, 6, false],
      ['103', 24, 6, false],
    ]);
    expect(call.expected.agentsRung).toEqual(['101', '102', '103']);
    expect(call.expected.voicemailLeft).toBe(false);
  });

  it('stops the answering wave when one agent picks up', () => {
    const call = sim.pbx.placeCall({
      kind: 'queue',
      result: 'answered',
      answeredOnPoll: 4,
      pickupSeconds: 3,
      talkSeconds: 60,
    });
    expect(legTimes(call.callId)).toEqual([
      ['101', 2, 10, false],
      ['102', 2, 10, false],
      ['103', 13, 3, false],
      ['101', 13, 3, true],
    ]);
    expect(call.expected.answeredBy).toBe('101');
    expect(call.legs[0].row.Status).toBe('Waiting');
    expect(call.endedAt - call.startedAt).toBe((13 + 3 + 60) * 1000);
  });
});
