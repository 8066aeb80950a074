import { toIsoUtc } from './utcTime';

export type CallDirection = 'inbound' | 'outbound' | 'internal';

/**
 * - `answered`: an agent (or a forward to an outside number) answered with talk time, even if
 *   the call was later transferred to voicemail.
 * - `voicemail`: not answered, reached a voicemail box.
 * - `abandoned`: not answered, the caller hung up before any agent rang (IVR, queue wait).
 * - `missed`: agents rang, nobody answered, no voicemail. Also every unanswered outbound call.
 */
export type CallOutcome = 'answered' | 'voicemail' | 'abandoned' | 'missed';

/**
 * A call that has settled: every leg has ended, the PBX no longer reports it as active and the
 * grace period has passed, as the settle engine makes it. Field names are those of the event
 * contract (docs/design.md), so the `settle` command, the store and the events all speak one
 * language, except the two times: the engine keeps them as epoch milliseconds (`started_ms`,
 * `ended_ms`), and their ISO text (`started_at`, `ended_at`) is made only where a call leaves
 * the engine for an event, a stored row or printed output (`callFactsOf`). Formatting them for
 * every settled call was about a fifth of settling (BENCHMARKS.md, issue 16 item 4, sixth
 * round), and the poller wanted the numbers back (lib/poller/pollTick.ts).
 */
export interface SettledCall {
  /** `CallHistoryId`, or `CallId` on PBXs before V20 Update 6. */
  call_id: string;
  direction: CallDirection;
  outcome: CallOutcome;
  /** The call reached a voicemail box. */
  voicemail: boolean;
  /** A message was recorded: the voicemail leg lasted at least the voicemail-left threshold. */
  voicemail_left: boolean;
  voicemail_seconds: number;
  /** E.164 for outside numbers, the extension for internal ones, null when withheld or garbage. */
  caller_number: string | null;
  caller_number_raw: string;
  caller_anonymous: boolean;
  caller_name: string | null;
  callee_number: string | null;
  callee_number_raw: string;
  callee_name: string | null;
  /** The outside party in E.164, whichever direction: what a CRM matches on. */
  external_number: string | null;
  /** The DID that was called, when known (inbound-call report or journal). */
  dialed_number: string | null;
  /** First queue the call entered (DN) and its name. */
  queue: string | null;
  queue_name: string | null;
  /**
   * Distinct extensions the call reached, in order: they rang (a queue poll the abandoned-queue
   * report names counts), or took the call without ringing (a pick-up from parking).
   */
  agents_rung: string[];
  answered_by: string | null;
  answered_by_name: string | null;
  /** When the call's first leg started, whole epoch ms (the event's `started_at`). */
  started_ms: number;
  /** When its last leg ended, whole epoch ms (the event's `ended_at`). */
  ended_ms: number;
  /** How long the caller waited: until answered, until voicemail picked up, or until the end. */
  ring_seconds: number;
  /** Conversation time with people (not IVR, queue music or voicemail). */
  talk_seconds: number;
  leg_count: number;
}

export interface SettleResult {
  settled: SettledCall[];
  /** Calls still active or inside the grace period: nothing about them is emitted yet. */
  pending: string[];
}

/** What a settled call and its facts share: everything but the two times. */
export type CallWithoutTimes = Omit<SettledCall, 'started_ms' | 'ended_ms'>;

/**
 * A settled call as the event contract, the store (a call's `facts`), the journal and printed
 * output write it: `SettledCall` with its two times as ISO 8601 text in UTC (lib/utcTime.ts
 * `toIsoUtc`), in the same place among the fields.
 */
export type CallFacts = {
  [
    K in keyof SettledCall as K extends 'started_ms'
      ? 'started_at'
      : K extends 'ended_ms'
        ? 'ended_at'
        : K
  ]: K extends 'started_ms' | 'ended_ms' ? string : SettledCall[K];
};

/**
 * The call's facts, its times formatted once: the poller's events and the `settle`, `calls`
 * and `replay` commands take the call from the engine through here. The keys are written in
 * the contract's order (docs/design.md), so JSON made of the facts reads as it always did.
 */
export function callFactsOf(call: SettledCall): CallFacts {
  return {
    call_id: call.call_id,
    direction: call.direction,
    outcome: call.outcome,
    voicemail: call.voicemail,
    voicemail_left: call.voicemail_left,
    voicemail_seconds: call.voicemail_seconds,
    caller_number: call.caller_number,
    caller_number_raw: call.caller_number_raw,
    caller_anonymous: call.caller_anonymous,
    caller_name: call.caller_name,
    callee_number: call.callee_number,
    callee_number_raw: call.callee_number_raw,
    callee_name: call.callee_name,
    external_number: call.external_number,
    dialed_number: call.dialed_number,
    queue: call.queue,
    queue_name: call.queue_name,
    agents_rung: call.agents_rung,
    answered_by: call.answered_by,
    answered_by_name: call.answered_by_name,
    started_at: toIsoUtc(call.started_ms),
    ended_at: toIsoUtc(call.ended_ms),
    ring_seconds: call.ring_seconds,
    talk_seconds: call.talk_seconds,
    leg_count: call.leg_count,
  };
}

/** `SettleResult` as the `settle`, `calls --json` and `replay --json` commands print it. */
export interface SettleResultFacts {
  settled: CallFacts[];
  pending: string[];
}

export function settleResultFacts(result: SettleResult): SettleResultFacts {
  return { settled: result.settled.map(callFactsOf), pending: result.pending };
}
