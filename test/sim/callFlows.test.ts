import { parseDurationSeconds } from '../../lib/duration';
import { DEFAULT_VOICEMAIL_LEFT_SECONDS } from '../../lib/voicemailLeft';
import type { CallLeg } from '../../lib/threecx/callLeg';
import { startSimulator, type CallScript, type SimCall, type Simulator } from '../../sim';
import { accessToken, callLogPath, simPost, xapiGet } from './simHttp';

/** With `hidePcalls=false` the simulator serves every leg, queue polls included (§1.3 [inf]). */
const DAY = {
  periodFrom: '2026-03-02T00:00:00Z',
  periodTo: '2026-03-03T00:00:00Z',
  hidePcalls: false,
};
const seconds = (d: string | null | undefined) => parseDurationSeconds(d) ?? 0;

interface Flow {
  name: string;
  script: CallScript;
  outcome: SimCall['expected']['outcome'];
  /** Checks on the served rows that make the flow obvious to a reader. */
  rows: (rows: CallLeg[], call: SimCall) => void;
}

const extensionLegs = (rows: CallLeg[]) => rows.filter((r) => r.DestinationType === 0);
const answeredTalking = (rows: CallLeg[]) =>
  extensionLegs(rows).filter((r) => r.Answered === true && seconds(r.TalkingDuration) > 0);
const voicemailLegs = (rows: CallLeg[]) => rows.filter((r) => r.DestinationType === 5);

const FLOWS: Flow[] = [
  {
    name: 'direct to an extension, answered',
    script: {
      kind: 'direct',
      extension: '102',
      result: 'answered',
      ringSeconds: 7.5,
      talkSeconds: 72.577,
    },
    outcome: 'answered',
    rows: (rows) => {
      expect(rows).toHaveLength(1);
      expect(answeredTalking(rows)).toHaveLength(1);
      expect(rows[0]).toEqual(
        expect.objectContaining({
          DestinationDn: '102',
          CallType: 'Extension',
          Direction: 'Inbound',
          Status: 'Answered',
          RingingDuration: 'PT7.5S',
          TalkingDuration: 'PT1M12.577S',
        }),
      );
    },
  },
  {
    name: 'direct, rings out to voicemail with a message',
    script: { kind: 'direct', extension: '102', result: 'voicemail', messageSeconds: 30 },
    outcome: 'voicemail',
    rows: (rows) => {
      expect(rows.map((r) => [r.DestinationType, r.Answered, r.Status])).toEqual([
        [0, false, 'Unanswered'],
        [5, true, 'Answered'],
      ]);
      expect(rows[1].TalkingDuration).toBe('PT36S');
    },
  },
  {
    name: 'direct, voicemail without a message (greeting only)',
    script: { kind: 'direct', extension: '102', result: 'voicemail', messageSeconds: 0 },
    outcome: 'voicemail',
    rows: (rows) => expect(voicemailLegs(rows)[0].TalkingDuration).toBe('PT6S'),
  },
  {
    name: 'direct, the caller hangs up while it rings',
    script: { kind: 'direct', extension: '104', result: 'hangup', ringSeconds: 9 },
    outcome: 'missed',
    rows: (rows) => {
      expect(rows).toHaveLength(1);
      expect(rows[0]).toEqual(
        expect.objectContaining({
          Answered: false,
          Status: 'Unanswered',
          RingingDuration: 'PT9S',
          TalkingDuration: 'PT0S',
        }),
      );
    },
  },
  {
    name: 'ring group, every member rings, one answers',
    script: { kind: 'ringGroup', result: 'answered', answeredBy: '108' },
    outcome: 'answered',
    rows: (rows) => {
      expect(rows[0]).toEqual(
        expect.objectContaining({ DestinationType: 2, DestinationDn: '8002' }),
      );
      const members = extensionLegs(rows);
      expect(members.map((r) => r.DestinationDn)).toEqual(['107', '108', '109']);
      expect(new Set(members.map((r) => r.StartTime)).size).toBe(1);
      expect(answeredTalking(rows).map((r) => r.DestinationDn)).toEqual(['108']);
      expect(members.every((r) => r.actionDnDn === '8002' && r.ActionDnType === 2)).toBe(true);
    },
  },
  {
    name: 'ring group, nobody answers, voicemail',
    script: { kind: 'ringGroup', result: 'voicemail' },
    outcome: 'voicemail',
    rows: (rows) => {
      expect(answeredTalking(rows)).toEqual([]);
      expect(voicemailLegs(rows).map((r) => r.DestinationDn)).toEqual(['107']);
    },
  },
  {
    name: 'ring group, the caller hangs up',
    script: { kind: 'ringGroup', result: 'hangup', ringSeconds: 10 },
    outcome: 'missed',
    rows: (rows) => expect(rows.every((r) => r.Answered === false)).toBe(true),
  },
  {
    name: 'queue, polled in waves, the third agent answers',
    script: { kind: 'queue', result: 'answered', talkSeconds: 120 },
    outcome: 'answered',
    rows: (rows) => {
      expect(rows.map((r) => [r.DestinationDn, r.Answered, r.Status])).toEqual([
        ['8001', true, 'Waiting'],
        ['103', false, 'Unanswered'],
        ['104', false, 'Unanswered'],
        ['105', true, 'Answered'],
      ]);
      // Only the queue's own leg says `Inbound Queue`; its agent legs say `Inbound` (§8).
      expect(rows.map((r) => r.Direction)).toEqual([
        'Inbound Queue',
        'Inbound',
        'Inbound',
        'Inbound',
      ]);
      expect(rows.map((r) => r.StartTime)).toEqual([
        '2026-03-02T09:00:00Z',
        '2026-03-02T09:00:04Z',
        '2026-03-02T09:00:21Z',
        '2026-03-02T09:00:38Z',
      ]);
      // The queue leg lasts until the pick-up: 38 s + 5 s ringing.
      expect(rows[0].TalkingDuration).toBe('PT43S');
    },
  },
  {
    name: 'queue, nobody answers, voicemail',
    script: { kind: 'queue', result: 'voicemail', messageSeconds: 12 },
    outcome: 'voicemail',
    rows: (rows) => {
      expect(answeredTalking(rows)).toEqual([]);
      expect(voicemailLegs(rows)).toHaveLength(1);
    },
  },
  {
    name: 'queue, the caller gives up after agents were polled',
    script: { kind: 'queue', result: 'hangup', waitSeconds: 30 },
    outcome: 'missed',
    rows: (rows) => {
      expect(rows[0]).toEqual(
        expect.objectContaining({
          CallType: 'Queue',
          Answered: true,
          Status: 'Unanswered',
          TalkingDuration: 'PT30S',
        }),
      );
      // The second poll started at 21 s and was cut short by the hang-up at 30 s.
      expect(extensionLegs(rows).map((r) => r.RingingDuration)).toEqual(['PT15S', 'PT9S']);
    },
  },
  {
    name: 'queue, the caller gives up before any agent rang',
    script: { kind: 'queue', result: 'hangup', waitSeconds: 3 },
    outcome: 'abandoned',
    rows: (rows) => {
      expect(rows).toHaveLength(1);
      expect(rows[0]).toEqual(
        expect.objectContaining({ Answered: true, Status: 'Unanswered', DestinationType: 4 }),
      );
    },
  },
  {
    name: 'queue with nobody logged in, voicemail',
    script: { kind: 'queue', result: 'voicemail', agents: [], messageSeconds: 15 },
    outcome: 'voicemail',
    rows: (rows) => expect(rows.map((r) => r.DestinationType)).toEqual([4, 5]),
  },
  {
    name: 'IVR, then the queue, answered on the first poll',
    script: {
      kind: 'ivr',
      menuSeconds: 9,
      then: { kind: 'queue', result: 'answered', answeredOnPoll: 1 },
    },
    outcome: 'answered',
    rows: (rows) => {
      expect(rows[0]).toEqual(
        expect.objectContaining({
          DestinationType: 6,
          DestinationDn: '8000',
          CallType: 'Digital Receptionist',
          TalkingDuration: 'PT9S',
        }),
      );
      expect(rows[1]).toEqual(
        expect.objectContaining({
          DestinationType: 4,
          StartTime: '2026-03-02T09:00:09Z',
          actionDnDn: '8000',
        }),
      );
      expect(answeredTalking(rows).map((r) => r.DestinationDn)).toEqual(['103']);
    },
  },
  {
    name: 'IVR, the caller hangs up in the menu',
    script: { kind: 'ivr', menuSeconds: 5 },
    outcome: 'abandoned',
    rows: (rows) =>
      expect(rows.map((r) => [r.CallType, r.Answered])).toEqual([['Digital Receptionist', true]]),
  },
  {
    name: 'IVR, option 0 to reception, voicemail',
    script: { kind: 'ivr', then: { kind: 'direct', extension: '101', result: 'voicemail' } },
    outcome: 'voicemail',
    rows: (rows) => expect(rows.map((r) => r.DestinationType)).toEqual([6, 0, 5]),
  },
  {
    name: 'straight to voicemail, a message left',
    script: { kind: 'voicemail', box: '110', messageSeconds: 40 },
    outcome: 'voicemail',
    rows: (rows) =>
      expect(rows.map((r) => [r.DestinationType, r.DestinationDn, r.TalkingDuration])).toEqual([
        [5, '110', 'PT46S'],
      ]),
  },
  {
    name: 'straight to voicemail, no message',
    script: { kind: 'voicemail', box: '110', messageSeconds: 0 },
    outcome: 'voicemail',
    rows: (rows) => expect(rows).toHaveLength(1),
  },
  {
    name: 'after hours: the inbound rule sends the call to voicemail',
    script: { kind: 'afterHours', did: '+61881234501', messageSeconds: 18 },
    outcome: 'voicemail',
    rows: (rows) => {
      expect(rows.map((r) => [r.DestinationType, r.DestinationDn])).toEqual([[5, '103']]);
      expect(rows[0].Reason).toMatch(/office hours/);
    },
  },
  {
    name: 'answered, transferred, the transferee does not answer: voicemail',
    script: { kind: 'transfer', extension: '101', to: '104', talkSeconds: 25, messageSeconds: 14 },
    outcome: 'answered',
    rows: (rows) => {
      expect(rows.map((r) => [r.DestinationDn, r.DestinationType, r.Answered])).toEqual([
        ['101', 0, true],
        ['104', 0, false],
        ['104', 5, true],
      ]);
      expect(rows[1].actionDnDn).toBe('101');
    },
  },
  {
    name: 'internal call, answered',
    script: { kind: 'internal', from: '101', to: '105', result: 'answered' },
    outcome: 'answered',
    rows: (rows) => {
      expect(rows).toEqual([
        expect.objectContaining({
          SourceDn: '101',
          SourceType: 0,
          DestinationDn: '105',
          Direction: 'Internal',
          Answered: true,
        }),
      ]);
    },
  },
  {
    name: 'internal call, not answered',
    script: { kind: 'internal', from: '101', to: '105', result: 'unanswered' },
    outcome: 'missed',
    rows: (rows) => expect(rows[0].Answered).toBe(false),
  },
  {
    name: 'outbound call, answered',
    script: { kind: 'outbound', from: '103', number: '+61299998888', result: 'answered' },
    outcome: 'answered',
    rows: (rows) => {
      expect(rows).toEqual([
        expect.objectContaining({
          SourceDn: '103',
          SourceType: 0,
          DestinationDn: '10000',
          DestinationType: 1,
          DestinationCallerId: '+61299998888',
          Direction: 'Outbound',
          CallType: 'External',
          Answered: true,
        }),
      ]);
      expect(rows[0].SrcRecId).toEqual(expect.any(Number));
    },
  },
  {
    name: 'outbound call, not answered',
    script: { kind: 'outbound', from: '103', number: '+61299998888', result: 'unanswered' },
    outcome: 'missed',
    rows: (rows) =>
      expect(rows[0]).toEqual(expect.objectContaining({ Answered: false, Status: 'Unanswered' })),
  },
  {
    name: 'anonymous caller, missed',
    script: { kind: 'direct', extension: '102', result: 'hangup', caller: 'Anonymous' },
    outcome: 'missed',
    rows: (rows) => expect(rows[0].SourceCallerId).toBe('Anonymous'),
  },
  {
    name: 'caller in national format',
    script: {
      kind: 'direct',
      extension: '102',
      result: 'answered',
      caller: '+61412345678',
      callerFormat: 'national',
    },
    outcome: 'answered',
    rows: (rows) => expect(rows[0].SourceCallerId).toBe('0412345678'),
  },
  {
    name: 'parked on shared parking, picked up by a colleague',
    script: { kind: 'park', extension: '101', pickedUpBy: '104', talkSeconds: 20, parkSeconds: 30 },
    outcome: 'answered',
    rows: (rows) => {
      expect(rows.map((r) => [r.DestinationDn, r.DestinationDisplayName, r.Status])).toEqual([
        ['101', 'Alice Nguyen', 'Answered'],
        ['SP1', 'Shared Parking', 'Answered'],
        ['104', 'Daniel Kim', 'Answered'],
      ]);
      expect(rows[0].Reason).toMatch(/was replaced by Shared Parking \(SP1\)/);
    },
  },
  {
    name: 'an AI voice agent takes the call, the caller hangs up on it',
    script: { kind: 'voiceAgent', talkSeconds: 50 },
    outcome: 'abandoned',
    rows: (rows) => {
      expect(rows).toHaveLength(1);
      expect(rows[0]).not.toHaveProperty('DestinationDn');
      expect(rows[0]).not.toHaveProperty('DestinationType');
      expect(rows[0]).toEqual(
        expect.objectContaining({ DestinationDisplayName: 'Voice Agent', Status: 'Answered' }),
      );
    },
  },
];

describe('scripted call flows', () => {
  let sim: Simulator;
  let token: string;
  beforeAll(async () => {
    sim = await startSimulator();
    token = await accessToken(sim.url);
  });
  afterAll(() => sim.close());

  it.each(FLOWS.map((f) => [f.name, f] as const))('%s', async (_name, flow) => {
    sim.clock.set('2026-03-02T09:00:00Z');
    const placed = await simPost(sim.url, '/_sim/calls', {
      ...flow.script,
      at: '2026-03-02T09:00:00Z',
    });
    expect(placed.status).toBe(201);
    const call = placed.json as SimCall;
    expect(call.expected.outcome).toBe(flow.outcome);

    sim.clock.set(call.endedAt);
    const res = await xapiGet(sim.url, callLogPath(DAY), token);
    const rows = (res.json.value as CallLeg[]).filter((r) => r.CallId === call.callId);
    // The served rows are the planned legs, nothing more, nothing less.
    expect(rows).toEqual(call.legs.map((l) => l.row));
    // As the console reads it (`hidePcalls=true`), the queue polls nobody answered are gone.
    const hidden = await xapiGet(sim.url, callLogPath({ ...DAY, hidePcalls: true }), token);
    expect((hidden.json.value as CallLeg[]).filter((r) => r.CallId === call.callId)).toEqual(
      call.legs.filter((l) => !l.queuePoll).map((l) => l.row),
    );
    expect(new Set(rows.map((r) => r.CallHistoryId))).toEqual(new Set([call.callHistoryId]));
    expect(new Set(rows.map((r) => r.CdrId)).size).toBe(rows.length);
    for (const row of rows) {
      expect(row.CdrId).toMatch(/^00000000-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(row.StartTime).toMatch(/^2026-03-02T\d\d:\d\d:\d\d(\.\d+)?Z$/);
      expect(row.RingingDuration).toMatch(/^PT/);
    }
    flow.rows(rows, call);
    expectRowsAgreeWithTruth(rows, call);
  });
});

/** The ground truth, read back from the rows in the most literal way. */
function expectRowsAgreeWithTruth(rows: CallLeg[], call: SimCall): void {
  const truth = call.expected;
  if (truth.direction === 'inbound') {
    for (const row of rows) {
      expect([row.SourceDn, row.SourceType, row.SourceCallerId]).toEqual(['10000', 1, call.caller]);
    }
  }
  const direction = {
    inbound: /^Inbound( Queue)?$/,
    internal: /^Internal$/,
    outbound: /^Outbound$/,
  }[truth.direction];
  for (const row of rows) expect(row.Direction).toMatch(direction);
  const rung = extensionLegs(rows)
    .filter((r) => seconds(r.RingingDuration) > 0 || r.Answered === true)
    .map((r) => r.DestinationDn as string);
  expect(truth.agentsRung).toEqual([...new Set(rung)]);
  const answering =
    truth.direction === 'outbound'
      ? rows
          .filter((r) => r.Answered && seconds(r.TalkingDuration) > 0)
          .map((r) => r.DestinationCallerId)
      : answeredTalking(rows).map((r) => r.DestinationDn);
  expect(truth.answeredBy).toBe(answering[0] ?? null);
  const voicemail = voicemailLegs(rows);
  expect(truth.voicemail).toBe(voicemail.length > 0);
  expect(truth.voicemailLeft).toBe(
    voicemail.some((r) => seconds(r.TalkingDuration) >= DEFAULT_VOICEMAIL_LEFT_SECONDS),
  );
  expect(truth.queue).toBe(rows.find((r) => r.DestinationType === 4)?.DestinationDn ?? null);
}
