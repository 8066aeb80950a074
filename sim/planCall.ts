import { isVoicemailLeft } from '../lib/voicemailLeft';
import { formatAsDialled, randomCallerNumber, type CountryDialling } from './countryDialling';
import { CallScriptError, type CallScript, type IvrChoice } from './callScript';
import type { CdrIdAllocator } from './cdrIds';
import {
  callLegRow,
  describeParty,
  recordingPath,
  type LegDirection,
  type LegSpec,
  type Party,
} from './legShapes';
import {
  SHARED_PARKING,
  VOICE_AGENT_NAME,
  VOICEMAIL_BOX_NAME,
  type PbxDirectory,
  type SimDestination,
} from './pbxDirectory';
import type { SeededRandom } from './seededRandom';
import type { ExpectedCall, ExpectedOutcome, SimCall, SimLeg, SimQueueVisit } from './simCall';
import { toSimMillis } from './simClock';

/** What planning needs from the running simulator. */
export interface PlanContext {
  directory: PbxDirectory;
  country: CountryDialling;
  ids: CdrIdAllocator;
  /** For what the script leaves open: a random caller, a random outside number. */
  random: SeededRandom;
  /** Rows carry the 20.0.6 fields (`CallHistoryId` …). */
  withHistoryIds: boolean;
  /** Sim time now: the default start of the call. */
  now: number;
}

/**
 * Turn a script into the legs a V20 PBX would log, with absolute times, and the ground truth.
 * The timeline of each flow follows the facts sheet: a queue answers the caller (music) and
 * polls agents in waves, one leg per poll (docs/3cx-facts.md §1.5); voicemail is a leg of its own after
 * the unanswered ones; a leg is only logged once it has ended (start + ringing + talking).
 */
export function planCall(script: CallScript, context: PlanContext): SimCall {
  try {
    return new CallPlanner(script, context).plan();
  } catch (error) {
    // Directory look-ups throw RangeError for unknown DNs: for a script that is a bad request.
    if (error instanceof RangeError) throw new CallScriptError(error.message);
    throw error;
  }
}

/** Defaults for what a script leaves open, in seconds. */
const DEFAULTS = {
  answeredRing: 8,
  unansweredRing: 20,
  hangupRing: 10,
  talk: 75,
  message: 20,
  queuePickup: 5,
  queueAnsweredOnPoll: 3,
  queueGiveUp: 40,
  ringGroupAnsweredRing: 7,
  ringGroupHangupRing: 12,
  ivrMenu: 8,
  transferRing: 6,
  transferTalk: 40,
  transferTargetRing: 20,
  internalTalk: 45,
  outboundRing: 9,
  outboundUnansweredRing: 30,
  outboundTalk: 120,
  parkTalk: 30,
  park: 40,
  pickupTalk: 60,
  voiceAgentTalk: 45,
};

type InboundScript = Exclude<CallScript, { kind: 'internal' } | { kind: 'outbound' }>;

/**
 * What the script made happen. The outcome is set where the flow decides it, first decision
 * wins (an answered call that later reaches voicemail stays answered): the scenario's own
 * truth, which test/sim/groundTruth.test.ts checks against the written rule (lib/callOutcome.ts).
 */
interface Truth {
  outcome: ExpectedOutcome | null;
  agentsRung: string[];
  answeredBy: string | null;
  voicemail: boolean;
  voicemailLeft: boolean;
  queue: string | null;
  queueVisit: SimQueueVisit | null;
}

class CallPlanner {
  private readonly dir: PbxDirectory;
  private readonly legs: LegSpec[] = [];
  private readonly truth: Truth = {
    outcome: null,
    agentsRung: [],
    answeredBy: null,
    voicemail: false,
    voicemailLeft: false,
    queue: null,
    queueVisit: null,
  };
  private caller!: Party;

  constructor(
    private readonly script: CallScript,
    private readonly ctx: PlanContext,
  ) {
    this.dir = ctx.directory;
  }

  plan(): SimCall {
    const script = this.script;
    const start = script.at === undefined ? this.ctx.now : toSimMillis(script.at);
    const callId = this.ctx.ids.nextCallId();
    const callHistoryId = this.ctx.ids.nextUuid(start);
    let did: string | null = null;
    let callerName: string | null = null;
    let direction: ExpectedCall['direction'] = 'inbound';

    switch (script.kind) {
      case 'internal': {
        direction = 'internal';
        this.caller = this.extensionParty(script.from);
        this.playInternal(script, start);
        break;
      }
      case 'outbound': {
        direction = 'outbound';
        this.caller = this.extensionParty(script.from);
        this.playOutbound(script, start);
        break;
      }
      default: {
        const callerId = this.inboundCallerId(script);
        callerName = script.callerName ?? null;
        this.caller = {
          kind: 'external',
          dn: this.dir.trunk.dn,
          callerId,
          displayName: script.callerName,
        };
        did = this.playInbound(script, start);
      }
    }

    const simLegs = this.materialise(callId, callHistoryId);
    const outcome = this.truth.outcome;
    if (outcome === null) throw new Error(`script ${script.kind} decided no outcome`);
    const endedAt = simLegs.reduce((end, leg) => Math.max(end, leg.endedAt), start);
    return {
      callId,
      callHistoryId: this.ctx.withHistoryIds ? callHistoryId : null,
      kind: script.kind,
      script,
      startedAt: start,
      endedAt,
      did,
      caller: this.caller.callerId,
      callerName,
      legs: simLegs,
      queueVisit: this.truth.queueVisit,
      expected: {
        direction,
        outcome,
        voicemail: this.truth.voicemail,
        voicemailLeft: this.truth.voicemailLeft,
        agentsRung: this.truth.agentsRung,
        answeredBy: this.truth.answeredBy,
        queue: this.truth.queue,
      },
    };
  }

  private decide(outcome: ExpectedOutcome): void {
    this.truth.outcome ??= outcome;
  }

  // --- inbound -------------------------------------------------------------------------------

  private inboundCallerId(script: InboundScript): string {
    const raw = script.caller ?? randomCallerNumber(this.ctx.country, this.ctx.random);
    return formatAsDialled(raw, this.ctx.country, script.callerFormat ?? 'e164');
  }

  /** Plays the flow; returns the DID dialled. */
  private playInbound(script: InboundScript, start: number): string {
    switch (script.kind) {
      case 'ivr': {
        const ivr = this.dir.ivr(script.ivr);
        const did = script.did ?? this.dir.didFor({ kind: 'ivr', dn: ivr.dn }).number;
        this.playIvr(script, ivr.dn, start);
        return this.checkedDid(did);
      }
      case 'afterHours': {
        const did = this.dir.did(script.did ?? this.dir.config.dids[0].number);
        const box = this.extensionParty(did.afterHoursVoicemailBox);
        this.playVoicemail(
          script,
          box,
          start,
          undefined,
          `Outside office hours: rule "${did.ruleName}" sent the call to voicemail`,
        );
        return did.number;
      }
      case 'transfer': {
        const did =
          script.did ?? this.dir.didFor({ kind: 'extension', dn: script.extension }).number;
        this.playTransfer(script, start);
        return this.checkedDid(did);
      }
      case 'park': {
        const did =
          script.did ?? this.dir.didFor({ kind: 'extension', dn: script.extension }).number;
        this.playPark(script, start);
        return this.checkedDid(did);
      }
      case 'voiceAgent': {
        const did = script.did ?? this.dir.config.dids[0].number;
        this.playVoiceAgent(script, start);
        return this.checkedDid(did);
      }
      default: {
        const did = script.did ?? this.dir.didFor(routeDestination(script, this.dir)).number;
        this.playRoute(script, start);
        return this.checkedDid(did);
      }
    }
  }

  private checkedDid(number: string): string {
    return this.dir.did(number).number;
  }

  /** A destination reached from the inbound rule or an IVR option; returns when it ends. */
  private playRoute(route: IvrChoice, t: number, via?: Party): number {
    switch (route.kind) {
      case 'direct':
        return this.playDirect(route, t, via);
      case 'ringGroup':
        return this.playRingGroup(route, t, via);
      case 'queue':
        return this.playQueue(route, t, via);
      case 'voicemail': {
        const box = this.extensionParty(
          route.box ?? this.dir.config.dids[0].afterHoursVoicemailBox,
        );
        return this.playVoicemail(route, box, t, via);
      }
    }
  }

  private playDirect(
    route: Extract<IvrChoice, { kind: 'direct' }>,
    t: number,
    via?: Party,
  ): number {
    const agent = this.extensionParty(route.extension);
    this.rang(agent.dn);
    if (route.result === 'answered') {
      const ring = ms(route.ringSeconds ?? DEFAULTS.answeredRing);
      const talk = ms(route.talkSeconds ?? DEFAULTS.talk);
      this.truth.answeredBy ??= agent.dn;
      this.decide('answered');
      return this.addLeg({
        ...this.inbound(agent, t, ring, talk, 'Inbound', via),
        answered: true,
        status: 'Answered',
        reason: `Ended by ${describeParty(this.caller)}`,
        recording: this.recording(agent, this.caller, t, 'destination'),
      });
    }
    if (route.result === 'hangup') {
      const ring = ms(route.ringSeconds ?? DEFAULTS.hangupRing);
      this.decide('missed');
      return this.addLeg({
        ...this.inbound(agent, t, ring, 0, 'Inbound', via),
        reason: `Ended by ${describeParty(this.caller)}`,
      });
    }
    const ring = ms(route.ringSeconds ?? DEFAULTS.unansweredRing);
    const end = this.addLeg({
      ...this.inbound(agent, t, ring, 0, 'Inbound', via),
      reason: `Not answered by ${describeParty(agent)}: forwarded to voicemail`,
    });
    return this.playVoicemail(route, agent, end, agent);
  }

  /** Ring-all: the group's own leg, then one leg per member, all ringing at once. */
  private playRingGroup(
    route: Extract<IvrChoice, { kind: 'ringGroup' }>,
    t: number,
    via?: Party,
  ): number {
    const group = this.dir.ringGroup(route.group);
    const groupParty: Party = {
      kind: 'ringGroup',
      dn: group.dn,
      callerId: group.dn,
      displayName: group.name,
    };
    const answered = route.result === 'answered';
    const answeredBy = route.answeredBy ?? group.members[0];
    if (answered && !group.members.includes(answeredBy)) {
      throw new CallScriptError(`${answeredBy} is not a member of ring group ${group.dn}`);
    }
    const ringSeconds =
      route.ringSeconds ??
      (answered
        ? DEFAULTS.ringGroupAnsweredRing
        : route.result === 'hangup'
          ? DEFAULTS.ringGroupHangupRing
          : group.ringSeconds);
    if (route.result !== 'voicemail' && ringSeconds >= group.ringSeconds) {
      throw new CallScriptError(
        `ring group ${group.dn} rings out after ${group.ringSeconds}s; ringSeconds must be shorter`,
      );
    }
    const ring = ms(ringSeconds);
    const talk = ms(route.talkSeconds ?? DEFAULTS.talk);
    const picker = answered ? this.extensionParty(answeredBy) : undefined;
    this.addLeg({
      ...this.inbound(groupParty, t, ring, 0, 'Inbound', via),
      answered,
      status: answered ? 'Answered' : 'Unanswered',
      reason: picker
        ? `Answered by ${describeParty(picker)}`
        : route.result === 'hangup'
          ? `Ended by ${describeParty(this.caller)}`
          : 'No answer: ring group timeout',
    });
    let end = t + ring;
    group.members.forEach((dn, i) => {
      const member = this.extensionParty(dn);
      this.rang(dn);
      const isPicker = picker !== undefined && dn === picker.dn;
      const legEnd = this.addLeg({
        ...this.inbound(member, t, ring, isPicker ? talk : 0, 'Inbound', groupParty),
        indent: 1,
        subrow: i + 1,
        answered: isPicker,
        status: isPicker ? 'Answered' : 'Unanswered',
        reason: isPicker
          ? `Ended by ${describeParty(this.caller)}`
          : picker
            ? `Answered elsewhere by ${describeParty(picker)}`
            : route.result === 'hangup'
              ? `Ended by ${describeParty(this.caller)}`
              : `Not answered by ${describeParty(member)}`,
        recording: isPicker ? this.recording(member, this.caller, t, 'destination') : undefined,
      });
      end = Math.max(end, legEnd);
    });
    if (picker) {
      this.truth.answeredBy ??= picker.dn;
      this.decide('answered');
    }
    if (route.result === 'hangup') this.decide('missed');
    if (route.result === 'voicemail') {
      return this.playVoicemail(
        route,
        this.extensionParty(group.voicemailBox),
        t + ring,
        groupParty,
      );
    }
    return end;
  }

  /**
   * The queue answers the caller (hold music) and polls agents in waves until one picks up,
   * the caller gives up, or the max wait sends the call to voicemail. The queue leg is
   * `Answered: true` throughout: `Status` says `Waiting` when an agent took the call and
   * `Unanswered` when not, even though `Answered` is true (docs/3cx-facts.md §1.5 [3p ssig]).
   */
  private playQueue(route: Extract<IvrChoice, { kind: 'queue' }>, t: number, via?: Party): number {
    const queue = this.dir.queue(route.queue);
    const queueParty: Party = {
      kind: 'queue',
      dn: queue.dn,
      callerId: queue.dn,
      displayName: queue.name,
    };
    const agents = route.agents ?? queue.agents;
    agents.forEach((a) => this.extensionParty(a));
    this.truth.queue = queue.dn;
    const poll = ms(queue.pollSeconds);
    const waveStep = poll + ms(queue.waveGapSeconds);
    const firstWave = t + ms(queue.firstPollSeconds);
    const maxWaitEnd = t + ms(queue.maxWaitSeconds);
    const waveStart = (pollIndex: number) =>
      firstWave + Math.floor(pollIndex / queue.waveSize) * waveStep;
    const agentOf = (pollIndex: number) => agents[pollIndex % agents.length];

    let stopAt: number;
    let answer: { pollIndex: number; at: number; talk: number } | undefined;
    if (route.result === 'answered') {
      if (agents.length === 0)
        throw new CallScriptError(`queue ${queue.dn} has no agents to answer`);
      const pollIndex = (route.answeredOnPoll ?? DEFAULTS.queueAnsweredOnPoll) - 1;
      const pickup = ms(route.pickupSeconds ?? DEFAULTS.queuePickup);
      if (pickup >= poll) {
        throw new CallScriptError(
          `pickupSeconds must be shorter than the ${queue.pollSeconds}s poll`,
        );
      }
      stopAt = waveStart(pollIndex) + pickup;
      if (stopAt >= maxWaitEnd) {
        throw new CallScriptError(
          `poll ${pollIndex + 1} would be answered after queue ${queue.dn}'s ${queue.maxWaitSeconds}s max wait`,
        );
      }
      answer = { pollIndex, at: stopAt, talk: ms(route.talkSeconds ?? DEFAULTS.talk) };
    } else if (route.result === 'hangup') {
      const wait = route.waitSeconds ?? Math.min(DEFAULTS.queueGiveUp, queue.maxWaitSeconds / 2);
      if (wait >= queue.maxWaitSeconds) {
        throw new CallScriptError(
          `waitSeconds must be shorter than the queue's ${queue.maxWaitSeconds}s max wait`,
        );
      }
      stopAt = t + ms(wait);
    } else {
      stopAt = maxWaitEnd;
    }

    const answerer = answer ? this.extensionParty(agentOf(answer.pollIndex)) : undefined;
    this.addLeg({
      ...this.inbound(queueParty, t, 0, stopAt - t, 'Inbound Queue', via),
      answered: true,
      status: answer ? 'Waiting' : 'Unanswered',
      reason: answerer
        ? `Answered by ${describeParty(answerer)}`
        : route.result === 'hangup'
          ? `Ended by ${describeParty(this.caller)}`
          : `Queue timeout: forwarded to voicemail of ${describeParty(this.extensionParty(queue.voicemailBox))}`,
    });

    const visit: SimQueueVisit = {
      queue: queue.dn,
      queueName: queue.name,
      enteredAt: t,
      leftAt: stopAt,
      abandoned: route.result === 'hangup',
      polls: agents.map((a) => ({ agent: a, agentName: this.dir.displayName(a), attempts: 0 })),
    };
    this.truth.queueVisit ??= visit;
    let end = stopAt;
    const lastPoll = answer
      ? (Math.floor(answer.pollIndex / queue.waveSize) + 1) * queue.waveSize
      : Infinity;
    for (let i = 0; agents.length > 0 && i < lastPoll && waveStart(i) < stopAt; i++) {
      const start = waveStart(i);
      const agent = this.extensionParty(agentOf(i));
      this.rang(agent.dn);
      visit.polls[i % agents.length].attempts += 1;
      const isAnswer = answer !== undefined && i === answer.pollIndex;
      const ring = Math.min(poll, stopAt - start);
      const timedOut = start + poll <= stopAt;
      // The agent legs of a queue call carry `Direction` `Inbound`, only the queue's own leg
      // `Inbound Queue` (docs/3cx-facts.md §8 [obs exp]).
      const legEnd = this.addLeg({
        ...this.inbound(agent, start, ring, isAnswer ? answer!.talk : 0, 'Inbound', queueParty),
        indent: 1,
        subrow: i + 1,
        queuePoll: !isAnswer,
        answered: isAnswer,
        status: isAnswer ? 'Answered' : 'Unanswered',
        reason: isAnswer
          ? `Ended by ${describeParty(this.caller)}`
          : timedOut
            ? `Polling timeout: not answered by ${describeParty(agent)}`
            : answerer
              ? `Answered elsewhere by ${describeParty(answerer)}`
              : route.result === 'hangup'
                ? `Ended by ${describeParty(this.caller)}`
                : 'Queue timeout: polling stopped',
        recording: isAnswer ? this.recording(agent, this.caller, start, 'destination') : undefined,
      });
      end = Math.max(end, legEnd);
    }
    if (answerer) {
      this.truth.answeredBy ??= answerer.dn;
      this.decide('answered');
    }
    if (route.result === 'hangup') {
      this.decide(visit.polls.some((p) => p.attempts > 0) ? 'missed' : 'abandoned');
    }
    if (route.result === 'voicemail') {
      return this.playVoicemail(route, this.extensionParty(queue.voicemailBox), stopAt, queueParty);
    }
    return end;
  }

  /** The Digital Receptionist answers, plays the menu, then sends the caller on (or they hang up). */
  private playIvr(script: Extract<CallScript, { kind: 'ivr' }>, ivrDn: string, t: number): number {
    const ivr = this.dir.ivr(ivrDn);
    const ivrParty: Party = { kind: 'ivr', dn: ivr.dn, callerId: ivr.dn, displayName: ivr.name };
    const menu = ms(script.menuSeconds ?? DEFAULTS.ivrMenu);
    const choice = script.then;
    let reason = `Ended by ${describeParty(this.caller)}`;
    if (choice) {
      const destination = routeDestination(choice, this.dir);
      const digit = Object.entries(ivr.options).find(
        ([, d]) => d.kind === destination.kind && d.dn === destination.dn,
      )?.[0];
      reason = digit
        ? `Caller pressed ${digit}: routed to ${destination.dn}`
        : `Caller dialled ${destination.dn}`;
    }
    const end = this.addLeg({
      ...this.inbound(ivrParty, t, 0, menu, 'Inbound', undefined),
      answered: true,
      status: 'Answered',
      reason,
    });
    if (!choice) this.decide('abandoned');
    return choice ? this.playRoute(choice, end, ivrParty) : end;
  }

  /** Greeting, then the message; the box "answers" (`Answered: true`), DN type 5. */
  private playVoicemail(
    timing: { messageSeconds?: number; greetingSeconds?: number },
    box: Party,
    t: number,
    via: Party | undefined,
    reason?: string,
  ): number {
    const greeting = ms(timing.greetingSeconds ?? this.dir.config.voicemailGreetingSeconds);
    const message = ms(timing.messageSeconds ?? DEFAULTS.message);
    this.truth.voicemail = true;
    this.truth.voicemailLeft ||= isVoicemailLeft((greeting + message) / 1000);
    this.decide('voicemail');
    // 3CX names the box's leg `Voicemail Box` with the extension's DN (docs/3cx-facts.md §8).
    const voicemail: Party = { ...box, kind: 'voicemail', displayName: VOICEMAIL_BOX_NAME };
    return this.addLeg({
      ...this.inbound(voicemail, t, 0, greeting + message, 'Inbound', via),
      answered: true,
      status: 'Answered',
      reason:
        reason ??
        (message > 0
          ? `Ended by ${describeParty(this.caller)}: message left`
          : `Ended by ${describeParty(this.caller)} during the greeting`),
    });
  }

  /** Answered by one extension, blind-transferred to another. */
  private playTransfer(script: Extract<CallScript, { kind: 'transfer' }>, t: number): number {
    const first = this.extensionParty(script.extension);
    const target = this.extensionParty(script.to);
    const ring = ms(script.ringSeconds ?? DEFAULTS.transferRing);
    const talk = ms(script.talkSeconds ?? DEFAULTS.transferTalk);
    this.rang(first.dn);
    this.truth.answeredBy ??= first.dn;
    this.decide('answered');
    const transferredAt = this.addLeg({
      ...this.inbound(first, t, ring, talk, 'Inbound', undefined),
      answered: true,
      status: 'Answered',
      reason: `Transferred to ${describeParty(target)} by ${describeParty(first)}`,
      recording: this.recording(first, this.caller, t, 'destination'),
    });
    this.rang(target.dn);
    if (script.result === 'answered') {
      const targetRing = ms(script.transferRingSeconds ?? DEFAULTS.answeredRing);
      return this.addLeg({
        ...this.inbound(
          target,
          transferredAt,
          targetRing,
          ms(script.transferTalkSeconds ?? DEFAULTS.talk),
          'Inbound',
          first,
        ),
        answered: true,
        status: 'Answered',
        reason: `Ended by ${describeParty(this.caller)}`,
        recording: this.recording(target, this.caller, transferredAt, 'destination'),
      });
    }
    const targetRing = ms(script.transferRingSeconds ?? DEFAULTS.transferTargetRing);
    const end = this.addLeg({
      ...this.inbound(target, transferredAt, targetRing, 0, 'Inbound', first),
      reason: `Not answered by ${describeParty(target)}: forwarded to voicemail`,
    });
    return this.playVoicemail(script, target, end, target);
  }

  /**
   * Answered, then parked on shared parking (`Shared Parking (SP1)`: a DN that is not a number,
   * docs/3cx-facts.md §8), then picked up by a colleague or abandoned there. 3CX words the hand-
   * over as "… was replaced by …" (§8).
   */
  private playPark(script: Extract<CallScript, { kind: 'park' }>, t: number): number {
    const agent = this.extensionParty(script.extension);
    const parking: Party = {
      kind: 'parking',
      dn: SHARED_PARKING.dn,
      callerId: SHARED_PARKING.dn,
      displayName: SHARED_PARKING.name,
    };
    const picker = script.pickedUpBy ? this.extensionParty(script.pickedUpBy) : undefined;
    this.rang(agent.dn);
    this.truth.answeredBy ??= agent.dn;
    this.decide('answered');
    const parkedAt = this.addLeg({
      ...this.inbound(
        agent,
        t,
        ms(script.ringSeconds ?? DEFAULTS.answeredRing),
        ms(script.talkSeconds ?? DEFAULTS.parkTalk),
        'Inbound',
        undefined,
      ),
      answered: true,
      status: 'Answered',
      reason: `${describeParty(agent)} was replaced by ${describeParty(parking)}`,
      recording: this.recording(agent, this.caller, t, 'destination'),
    });
    const pickedAt = this.addLeg({
      ...this.inbound(
        parking,
        parkedAt,
        0,
        ms(script.parkSeconds ?? DEFAULTS.park),
        'Inbound',
        agent,
      ),
      answered: true,
      status: 'Answered',
      reason: picker
        ? `${describeParty(parking)} was replaced by ${describeParty(picker)}`
        : `Ended by ${describeParty(this.caller)}`,
    });
    if (!picker) return pickedAt;
    // Picked up, not rung: the colleague took the call, so it counts among the agents reached.
    this.rang(picker.dn);
    return this.addLeg({
      ...this.inbound(
        picker,
        pickedAt,
        0,
        ms(script.pickupTalkSeconds ?? DEFAULTS.pickupTalk),
        'Inbound',
        parking,
      ),
      answered: true,
      status: 'Answered',
      reason: `Ended by ${describeParty(this.caller)}`,
      recording: this.recording(picker, this.caller, pickedAt, 'destination'),
    });
  }

  /**
   * An AI voice agent takes the call: a leg with no DN (docs/3cx-facts.md §8). It is not a
   * person, so a caller who only spoke to it was answered by nobody: `abandoned` unless the
   * agent sends the call on and someone takes it there.
   */
  private playVoiceAgent(script: Extract<CallScript, { kind: 'voiceAgent' }>, t: number): number {
    const agent: Party = {
      kind: 'voiceAgent',
      dn: '',
      callerId: '',
      displayName: VOICE_AGENT_NAME,
    };
    const end = this.addLeg({
      ...this.inbound(
        agent,
        t,
        0,
        ms(script.talkSeconds ?? DEFAULTS.voiceAgentTalk),
        'Inbound',
        undefined,
      ),
      answered: true,
      status: 'Answered',
      reason: script.then
        ? `${VOICE_AGENT_NAME} was replaced by ${routeDestination(script.then, this.dir).dn}`
        : `Ended by ${describeParty(this.caller)}`,
    });
    if (!script.then) {
      this.decide('abandoned');
      return end;
    }
    return this.playRoute(script.then, end, agent);
  }

  // --- internal and outbound ---------------------------------------------------------------

  private playInternal(script: Extract<CallScript, { kind: 'internal' }>, t: number): void {
    if (script.from === script.to) throw new CallScriptError('an extension cannot call itself');
    const callee = this.extensionParty(script.to);
    const answered = script.result === 'answered';
    const ring = ms(
      script.ringSeconds ?? (answered ? DEFAULTS.answeredRing : DEFAULTS.unansweredRing),
    );
    const talk = answered ? ms(script.talkSeconds ?? DEFAULTS.internalTalk) : 0;
    this.rang(callee.dn);
    if (answered) this.truth.answeredBy = callee.dn;
    this.decide(answered ? 'answered' : 'missed');
    this.addLeg({
      ...this.legBase(this.caller, callee, t, ring, talk, 'Internal', undefined),
      answered,
      status: answered ? 'Answered' : 'Unanswered',
      reason: answered
        ? `Ended by ${describeParty(this.caller)}`
        : `Not answered by ${describeParty(callee)}`,
      recording: answered ? this.recording(callee, this.caller, t, 'destination') : undefined,
    });
  }

  /** Outbound: the pair is reversed, the extension is the source and the trunk the destination [obs bma]. */
  private playOutbound(script: Extract<CallScript, { kind: 'outbound' }>, t: number): void {
    const number = script.number ?? randomCallerNumber(this.ctx.country, this.ctx.random);
    const outside: Party = { kind: 'external', dn: this.dir.trunk.dn, callerId: number };
    const answered = script.result === 'answered';
    const ring = ms(
      script.ringSeconds ?? (answered ? DEFAULTS.outboundRing : DEFAULTS.outboundUnansweredRing),
    );
    const talk = answered ? ms(script.talkSeconds ?? DEFAULTS.outboundTalk) : 0;
    if (answered) this.truth.answeredBy = number;
    this.decide(answered ? 'answered' : 'missed');
    this.addLeg({
      ...this.legBase(this.caller, outside, t, ring, talk, 'Outbound', undefined),
      answered,
      status: answered ? 'Answered' : 'Unanswered',
      reason: answered ? `Ended by ${describeParty(this.caller)}` : `Not answered by ${number}`,
      recording: answered ? this.recording(this.caller, outside, t, 'source') : undefined,
    });
  }

  // --- building blocks -------------------------------------------------------------------

  private extensionParty(dn: string): Party {
    return { kind: 'extension', dn, callerId: dn, displayName: this.dir.displayName(dn) };
  }

  private rang(dn: string): void {
    if (!this.truth.agentsRung.includes(dn)) this.truth.agentsRung.push(dn);
  }

  private recording(
    extension: Party,
    other: Party,
    startedAt: number,
    side: 'source' | 'destination',
  ) {
    const id = this.ctx.ids.nextRecordingId();
    return { id, side, url: recordingPath(extension, other, startedAt, id) };
  }

  /** A leg from the outside caller; unanswered unless the caller says otherwise. */
  private inbound(
    destination: Party,
    t: number,
    ringMs: number,
    talkMs: number,
    direction: LegDirection,
    via: Party | undefined,
  ): LegSpec {
    return this.legBase(this.caller, destination, t, ringMs, talkMs, direction, via);
  }

  private legBase(
    source: Party,
    destination: Party,
    t: number,
    ringMs: number,
    talkMs: number,
    direction: LegDirection,
    via: Party | undefined,
  ): LegSpec {
    return {
      source,
      destination,
      action: via,
      startedAt: t,
      ringMs,
      talkMs,
      answered: false,
      status: 'Unanswered',
      direction,
      reason: '',
      indent: 0,
      subrow: 0,
    };
  }

  /** Adds the leg; returns when it ends. */
  private addLeg(spec: LegSpec): number {
    this.legs.push(spec);
    return spec.startedAt + spec.ringMs + spec.talkMs;
  }

  /** Chronological order (stable), `SegmentId` 1…n, a `CdrId` per leg stamped with its start. */
  private materialise(callId: number, callHistoryId: string): SimLeg[] {
    const ordered = this.legs
      .map((spec, i) => ({ spec, i }))
      .sort((a, b) => a.spec.startedAt - b.spec.startedAt || a.i - b.i)
      .map((x) => x.spec);
    return ordered.map((spec, i) => {
      const ids = {
        callId,
        segmentId: i + 1,
        cdrId: this.ctx.ids.nextUuid(spec.startedAt),
        callHistoryId,
      };
      return {
        row: callLegRow(spec, ids, this.ctx.withHistoryIds),
        destinationKind: spec.destination.kind,
        startedAt: spec.startedAt,
        ringEndedAt: spec.startedAt + spec.ringMs,
        endedAt: spec.startedAt + spec.ringMs + spec.talkMs,
        queuePoll: spec.queuePoll ?? false,
      };
    });
  }
}

/** Where a route script goes, for DID defaults and IVR digits. */
function routeDestination(route: IvrChoice, dir: PbxDirectory): SimDestination {
  switch (route.kind) {
    case 'direct':
      return { kind: 'extension', dn: route.extension };
    case 'ringGroup':
      return { kind: 'ringGroup', dn: dir.ringGroup(route.group).dn };
    case 'queue':
      return { kind: 'queue', dn: dir.queue(route.queue).dn };
    case 'voicemail':
      return { kind: 'voicemail', dn: route.box ?? dir.config.dids[0].afterHoursVoicemailBox };
  }
}

function ms(seconds: number): number {
  return Math.round(seconds * 1000);
}
