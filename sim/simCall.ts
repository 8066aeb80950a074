import type { CallLeg } from '../lib/threecx/callLeg';
import type { CallScript, CallScriptKind } from './callScript';

/**
 * A call the simulator has placed, with the ground truth that tests and benchmarks compare the
 * bridge against. `expected` is written from the script (what the scenario *is*), never
 * computed from the rows by a classifier: the sim is the independent side of the comparison.
 */
export type ExpectedDirection = 'inbound' | 'outbound' | 'internal';
export type ExpectedOutcome = 'answered' | 'voicemail' | 'abandoned' | 'missed';

export interface ExpectedCall {
  direction: ExpectedDirection;
  /**
   * docs/design.md "Classify": answered (an agent picked up and talked), voicemail (not answered,
   * reached a voicemail box), abandoned (caller hung up before any agent rang), missed
   * (agents rang, nobody answered, no voicemail; also an unanswered outbound call).
   */
  outcome: ExpectedOutcome;
  /** The call reached a voicemail box. */
  voicemail: boolean;
  /** A message was left, by the one definition (lib/voicemailLeft.ts): time on the box, greeting included. */
  voicemailLeft: boolean;
  /**
   * Extensions the call reached, distinct, in order: their phone rang, or they took the call
   * without ringing (a pick-up from parking).
   */
  agentsRung: string[];
  /** The extension that answered first; for an outbound call the outside number. */
  answeredBy: string | null;
  /** DN of the queue the call went through. */
  queue: string | null;
}

/** What the destination of a leg is, in the sim's own words (ground truth for leg rules). */
export type LegPartyKind =
  'extension' | 'external' | 'queue' | 'voicemail' | 'ivr' | 'ringGroup' | 'parking' | 'voiceAgent';

export interface SimLeg {
  /** The row exactly as `GetCallLogData` serves it once the leg has ended. */
  row: CallLeg;
  destinationKind: LegPartyKind;
  startedAt: number;
  /** When ringing stopped: answered (or talk started), or = `endedAt` for a leg never answered. */
  ringEndedAt: number;
  /** Start + ringing + talking: the leg is in the call log from this moment on. */
  endedAt: number;
  /**
   * A queue's poll of an agent who did not answer. Real call logs read with `hidePcalls=true`
   * leave these out (docs/3cx-facts.md §8); the abandoned-queue report lists them.
   */
  queuePoll: boolean;
}

/** One agent a queue polled for a call, as the abandoned-queue report counts it. */
export interface SimQueuePoll {
  agent: string;
  agentName: string;
  attempts: number;
}

/** A call's time in a queue, for the abandoned-queue report (docs/xapi-schemas.md §2.8). */
export interface SimQueueVisit {
  queue: string;
  queueName: string;
  enteredAt: number;
  leftAt: number;
  /** The caller hung up while queued: the call is in the Abandoned Queue Calls report. */
  abandoned: boolean;
  /** Every agent of the queue for this call, polled or not, in polling order. */
  polls: SimQueuePoll[];
}

export interface SimCall {
  /** `CallId` on every leg, and `Id` in `/ActiveCalls`. */
  callId: number;
  /** `CallHistoryId` of every leg; null on PBXs before 20.0.6 (rows lack it). */
  callHistoryId: string | null;
  kind: CallScriptKind;
  /** The script as given (after validation). */
  script: CallScript;
  startedAt: number;
  /** The hang-up: the end of the last leg. */
  endedAt: number;
  /** The DID dialled, E.164; null for internal and outbound calls. */
  did: string | null;
  /** The caller as the rows show it (`SourceCallerId`): E.164, national, `Anonymous`, or an extension. */
  caller: string;
  callerName: string | null;
  legs: SimLeg[];
  /** The queue the call waited in, if any. */
  queueVisit: SimQueueVisit | null;
  expected: ExpectedCall;
}
