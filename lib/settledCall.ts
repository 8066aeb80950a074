/**
 * A call that has settled: every leg has ended, the PBX no longer reports it as active and the
 * grace period has passed. Field names are those of the event contract (docs/design.md), so the
 * `settle` command, the store and the events all speak one language.
 */
export type CallDirection = 'inbound' | 'outbound' | 'internal';

/**
 * - `answered`: an agent (or a forward to an outside number) answered with talk time, even if
 *   the call was later transferred to voicemail.
 * - `voicemail`: not answered, reached a voicemail box.
 * - `abandoned`: not answered, the caller hung up before any agent rang (IVR, queue wait).
 * - `missed`: agents rang, nobody answered, no voicemail. Also every unanswered outbound call.
 */
export type CallOutcome = 'answered' | 'voicemail' | 'abandoned' | 'missed';

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
  started_at: string;
  ended_at: string;
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
