import { outcomeOf } from '../../lib/callOutcome';
import { startSimulator, type SimCall, type Simulator } from '../../sim';

/**
 * The simulator decides each call's outcome from its script, where the flow decides it (an
 * agent picks up, the caller hangs up in the queue, voicemail answers), never by importing the
 * engine. This checks that ground truth against the one written rule (lib/callOutcome.ts),
 * so the scripts and the rule cannot drift apart unnoticed.
 */
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 3 });
});
afterAll(() => sim.close());

function byTheRule(call: SimCall) {
  const e = call.expected;
  return outcomeOf({
    direction: e.direction,
    answered: e.answeredBy !== null,
    voicemail: e.voicemail,
    agentsRung: e.agentsRung.length,
  });
}

describe("the simulator's ground truth follows the written outcome rule", () => {
  it.each([
    [{ kind: 'direct', extension: '101', result: 'hangup' }, 'missed'],
    [{ kind: 'queue', result: 'hangup', waitSeconds: 3 }, 'abandoned'],
    [{ kind: 'queue', result: 'hangup', waitSeconds: 30 }, 'missed'],
    [{ kind: 'ivr' }, 'abandoned'],
    [{ kind: 'voiceAgent' }, 'abandoned'],
    [{ kind: 'park', extension: '101' }, 'answered'],
    [{ kind: 'transfer', extension: '101', to: '102' }, 'answered'],
    [{ kind: 'ringGroup', result: 'voicemail' }, 'voicemail'],
    [{ kind: 'outbound', from: '101', result: 'unanswered' }, 'missed'],
    [{ kind: 'internal', from: '101', to: '102', result: 'unanswered' }, 'missed'],
  ])('%j is %s', (script, outcome) => {
    const call = sim.pbx.placeCall(script);
    expect(call.expected.outcome).toBe(outcome);
    expect(byTheRule(call)).toBe(outcome);
  });

  it('on two hours of generated traffic, every flow kind included', () => {
    sim.pbx.startTraffic({ callsPerMinute: 30, seed: 21 });
    sim.clock.advance(2 * 3600);
    sim.pbx.stopTraffic();
    const calls = sim.pbx.calls();
    expect(calls.length).toBeGreaterThan(3000);
    expect(new Set(calls.map((c) => c.kind))).toEqual(
      new Set([
        'direct',
        'queue',
        'ringGroup',
        'ivr',
        'transfer',
        'park',
        'voiceAgent',
        'internal',
        'outbound',
      ]),
    );
    const disagreements = calls.filter((c) => byTheRule(c) !== c.expected.outcome);
    expect(disagreements.map((c) => [c.callId, c.kind, c.expected.outcome])).toEqual([]);
  });

  it('draws voicemail messages on both sides of the voicemail-left threshold', () => {
    const voicemails = sim.pbx.calls().filter((c) => c.expected.voicemail);
    const left = voicemails.filter((c) => c.expected.voicemailLeft).length;
    expect(left).toBeGreaterThan(voicemails.length * 0.3);
    expect(voicemails.length - left).toBeGreaterThan(voicemails.length * 0.2);
  });
});
