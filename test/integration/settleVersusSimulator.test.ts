import { startSimulator, type Simulator, type SimCall } from '../../sim';
import { settleCalls } from '../../lib/settleCalls';
import { queuePollsByCall } from '../../lib/threecx/abandonedQueueCalls';
import type { AbandonedQueueCall } from '../../lib/threecx/xapiTypes';
import { knownAgents } from '../support/knownAgents';

/**
 * The settle engine against the simulator's ground truth: the sim writes `expected` from the
 * script, never from the rows, so this catches the engine misreading a flow. Every scripted
 * flow kind, then a few hundred generated calls. The engine sees what a real PBX serves: the
 * call log without the queue polls nobody answered (`hidePcalls=true`), plus the
 * abandoned-queue report (docs/3cx-facts.md §8).
 */
let sim: Simulator;
beforeAll(async () => {
  sim = await startSimulator({ seed: 11 });
});
afterAll(async () => {
  await sim.close();
});

function served(s: Simulator, call: SimCall) {
  // The report lists a call once it has left the queue: let the sim's clock get there.
  if (s.clock.now() < call.endedAt) s.clock.set(call.endedAt);
  const served = call.legs.filter((l) => !l.queuePoll);
  const legs = served.map((l) => l.row);
  const report = s.pbx.abandonedQueueCalls(call.startedAt, call.endedAt + 1, [], 0);
  const polls = queuePollsByCall(report as AbandonedQueueCall[]);
  return { legs, polls };
}

function settleOne(call: SimCall, s: Simulator = sim) {
  const { legs, polls } = served(s, call);
  const { settled } = settleCalls(legs, {
    now: call.endedAt + 60_000,
    country: 'AU',
    graceSeconds: 10,
    queuePolls: polls,
  });
  expect(settled).toHaveLength(1);
  return settled[0];
}

function expectMatches(call: SimCall, simulator: Simulator = sim) {
  const s = settleOne(call, simulator);
  expect({
    direction: s.direction,
    outcome: s.outcome,
    voicemail: s.voicemail,
    voicemailLeft: s.voicemail_left,
    agentsRung: [...s.agents_rung].sort(),
    answeredBy: s.answered_by,
    queue: s.queue,
  }).toEqual({ ...call.expected, agentsRung: knownAgents(call).sort() });
}

const SCRIPTS: Record<string, Record<string, unknown>> = {
  'direct answered': { kind: 'direct', extension: '101', result: 'answered' },
  'direct to voicemail with a message': {
    kind: 'direct',
    extension: '101',
    result: 'voicemail',
    messageSeconds: 25,
  },
  'direct to voicemail, greeting only': {
    kind: 'direct',
    extension: '101',
    result: 'voicemail',
    messageSeconds: 0,
  },
  'direct, caller hangs up while ringing': { kind: 'direct', extension: '102', result: 'hangup' },
  'ring group nobody answers': { kind: 'ringGroup', result: 'voicemail', messageSeconds: 0 },
  'ring group answered': { kind: 'ringGroup', result: 'answered' },
  'queue third agent answers': { kind: 'queue', result: 'answered', answeredOnPoll: 3 },
  'queue to voicemail': { kind: 'queue', result: 'voicemail', messageSeconds: 25 },
  'queue, caller gives up after polls': { kind: 'queue', result: 'hangup', waitSeconds: 40 },
  'queue, caller gives up before any poll': { kind: 'queue', result: 'hangup', waitSeconds: 3 },
  'parked, picked up by a colleague': { kind: 'park', extension: '101', pickedUpBy: '102' },
  'parked, caller hangs up while parked': { kind: 'park', extension: '101' },
  'voice agent only': { kind: 'voiceAgent' },
  'voice agent, then queue answered': {
    kind: 'voiceAgent',
    then: { kind: 'queue', result: 'answered', answeredOnPoll: 1 },
  },
  'voice agent, then queue abandoned after polls': {
    kind: 'voiceAgent',
    then: { kind: 'queue', result: 'hangup', waitSeconds: 30 },
  },
  'voicemail exactly at the message threshold (6 s greeting + 4 s)': {
    kind: 'voicemail',
    messageSeconds: 4,
  },
  'voicemail just under the message threshold': { kind: 'voicemail', messageSeconds: 3.5 },
  'withheld caller, lower case, gives up in the queue after polls': {
    kind: 'queue',
    caller: 'anonymous',
    result: 'hangup',
    waitSeconds: 40,
  },
  'caller written as dialled internationally': {
    kind: 'direct',
    extension: '103',
    callerFormat: 'international',
    result: 'hangup',
  },
  'caller written as digits without a plus': {
    kind: 'direct',
    extension: '103',
    callerFormat: 'digits',
    result: 'hangup',
  },
  'IVR hang-up': { kind: 'ivr' },
  'IVR then queue answered': {
    kind: 'ivr',
    then: { kind: 'queue', result: 'answered', answeredOnPoll: 2 },
  },
  'voicemail rule with a message': { kind: 'voicemail', messageSeconds: 20 },
  'after hours': { kind: 'afterHours', messageSeconds: 15 },
  'answered then transferred to voicemail': {
    kind: 'transfer',
    extension: '101',
    to: '102',
    result: 'voicemail',
    messageSeconds: 20,
  },
  'internal answered': { kind: 'internal', from: '101', to: '102', result: 'answered' },
  'internal unanswered': { kind: 'internal', from: '101', to: '102', result: 'unanswered' },
  'outbound answered': {
    kind: 'outbound',
    from: '105',
    number: '+61298765432',
    result: 'answered',
  },
  'outbound unanswered': {
    kind: 'outbound',
    from: '105',
    number: '+61298765432',
    result: 'unanswered',
  },
  'anonymous caller to voicemail': {
    kind: 'direct',
    extension: '101',
    caller: 'Anonymous',
    result: 'voicemail',
    messageSeconds: 12,
  },
  'national-format caller': {
    kind: 'direct',
    extension: '101',
    callerFormat: 'national',
    result: 'hangup',
  },
};

describe('settleCalls agrees with the simulator on every scripted flow', () => {
  it.each(Object.entries(SCRIPTS))('%s', (_name, script) => {
    expectMatches(sim.pbx.placeCall(script));
  });

  it('reads callers written as dialled: national, international prefix, digits', () => {
    for (const callerFormat of ['national', 'international', 'digits']) {
      const call = sim.pbx.placeCall({
        kind: 'direct',
        extension: '101',
        callerFormat,
        caller: '+61412345678',
        result: 'hangup',
      });
      expect(call.legs[0].row.SourceCallerId).not.toBe('+61412345678');
      expect(settleOne(call).caller_number).toBe('+61412345678');
    }
  });

  it('reads the caller of a national-format and an anonymous call', () => {
    const national = settleOne(
      sim.pbx.placeCall({
        kind: 'direct',
        extension: '101',
        callerFormat: 'national',
        caller: '+61412345678',
        result: 'hangup',
      }),
    );
    expect(national.caller_number).toBe('+61412345678');
    const anonymous = settleOne(
      sim.pbx.placeCall({
        kind: 'direct',
        extension: '101',
        caller: 'Anonymous',
        result: 'hangup',
      }),
    );
    expect(anonymous).toMatchObject({ caller_anonymous: true, caller_number: null });
  });
});

describe('settleCalls agrees with the simulator on generated traffic', () => {
  it('classifies 400 generated calls exactly as scripted', async () => {
    const traffic = await startSimulator({ seed: 5 });
    try {
      traffic.pbx.startTraffic({ callsPerMinute: 20, seed: 5 });
      traffic.clock.advance(20 * 60);
      const calls = traffic.pbx.calls().filter((c) => c.endedAt <= traffic.clock.now());
      expect(calls.length).toBeGreaterThanOrEqual(300);
      for (const call of calls) expectMatches(call, traffic);
    } finally {
      await traffic.close();
    }
  });
});
