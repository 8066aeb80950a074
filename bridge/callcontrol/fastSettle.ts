/**
 * The stream's fast verdict on a call: one place for the rule (docs/design.md "Settle";
 * docs/3cx-facts.md §2.3, §2.4).
 *
 * A call may be settled as `missed` from the stream alone, without waiting for the call log,
 * only when all of this holds once its monitored participants are gone and a quiet time has
 * passed (a transfer or a second device re-rings within it; none is needed once the caller's
 * own participant is gone, streamCallTracker.ts):
 * - it is an inbound call from outside that rang a monitored extension;
 * - no participant was ever connected to a person (an extension `Connected`);
 * - none reached voicemail (a `Wspecialmenu` participant or party): whether a message was left
 *   is not in the stream (§2.4), so such calls wait for the call log, as before;
 * - every participant we dropped was removed by an event the PBX sent: a participant that
 *   vanished while the socket was down may have been answered meanwhile;
 * - and there is evidence that the call itself is over, not just that phones stopped ringing
 *   (between a queue's waves, or while the caller is in an IVR, nothing monitored may exist):
 *   the caller's own participant on a monitored trunk was removed, or the call is gone from
 *   `/ActiveCalls` (one read at that moment).
 * A queue participant's removal alone is not taken as that evidence: the queue also lets go of
 * the caller when it hands the call to voicemail or an agent [inf], so `/ActiveCalls` decides.
 * A queue call still on the PBX at the check is checked again a few times a second apart (the
 * caller may hang up between waves, unseen); any other call still there is the call log's
 * (locationStream.ts `QUEUE_RECHECKS`).
 */
export interface StreamCallFacts {
  inbound: boolean;
  rangExtension: boolean;
  personConnected: boolean;
  voicemail: boolean;
  /** A participant was lost without a remove event (socket down, reconciled away). */
  gap: boolean;
  /** The caller's own (trunk) participant was removed by an event. */
  callerRemoved: boolean;
}

/**
 * - `missed`: settle now;
 * - `check`: ask `/ActiveCalls`, and settle if the call is gone;
 * - `log`: leave it to the poller (answered, voicemail, gap, or not ours to judge).
 */
export type FastVerdict = 'missed' | 'check' | 'log';

export function fastVerdict(call: StreamCallFacts): FastVerdict {
  if (!call.inbound || !call.rangExtension) return 'log';
  if (call.personConnected || call.voicemail || call.gap) return 'log';
  return call.callerRemoved ? 'missed' : 'check';
}
