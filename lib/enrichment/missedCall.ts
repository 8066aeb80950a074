import { eventsForSettledCall } from '../callEvent';
import { normalisePhoneNumber } from '../phoneNumber';
import type { CallFacts, CallWithoutTimes } from '../settledCall';

/**
 * What counts as a miss, who it is from and when it happened: one definition for the rules
 * here and for what the bridge stores (`number_key`, `missed_at`), so they cannot drift apart.
 */

/**
 * A miss is a call that fires `call.missed` (lib/callEvent.ts): inbound, not answered, from a
 * caller who is not one of our extensions. Internal calls and unanswered outbound calls are
 * never misses. A withheld caller's miss is one (a workflow may still want to know), but it
 * has no number key, so it is never counted together with another or folded into one.
 */
export function isMissedCall(call: CallWithoutTimes): boolean {
  return eventsForSettledCall(call).includes('call.missed');
}

/**
 * The outside party's number key (E.164): the caller of an inbound call, the callee of an
 * outbound one. Null for withheld or unreadable numbers and for internal calls.
 */
export function callerNumberKey(call: CallWithoutTimes, country?: string): string | null {
  if (call.direction === 'internal') return null;
  if (call.direction === 'inbound' && call.caller_anonymous) return null;
  const outside =
    call.external_number ??
    (call.direction === 'inbound' ? call.caller_number_raw : call.callee_number_raw);
  const n = normalisePhoneNumber(outside, { country });
  return n.kind === 'external' ? n.number : null;
}

/**
 * When a miss happened: when the call started (the phone rang), which is what a person means
 * by "you missed my call at 10:02" and what the store indexes misses by.
 */
export function missedAtOf(call: CallFacts): string {
  return call.started_at;
}
