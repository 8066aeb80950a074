import { CALL_FOLLOW_UP_FIELDS, type CallFollowUp } from '../callEvent';
import type { CallbackResult } from './callbackMatch';

/**
 * A followed-up miss after matching its number's calls again (lib/followUp/callbackMatch.ts):
 * returned as soon as a later call connected; otherwise still awaiting, or not returned when
 * its deadline passed first (`call.unreturned`), with the attempts counted so far. A miss whose
 * returning call turns out not to connect after all (the call it was matched with settled
 * otherwise) goes back to waiting. An undecided match changes nothing yet.
 */
export function followUpAfterMatch(current: CallFollowUp, result: CallbackResult): CallFollowUp {
  if (result.undecided || current.return_status === null || current.return_status === 'no_number')
    return current;
  if (result.returned) {
    return {
      ...current,
      return_status: 'returned',
      returned_at: result.returned.at,
      returned_by: result.returned.by,
      returned_via: result.returned.via,
      returned_call_id: result.returned.call_id,
      time_to_callback_seconds: result.returned.time_to_callback_seconds,
      callback_attempts: result.callback_attempts,
    };
  }
  return {
    ...current,
    return_status: current.return_status === 'returned' ? 'awaiting' : current.return_status,
    returned_at: null,
    returned_by: null,
    returned_via: null,
    returned_call_id: null,
    time_to_callback_seconds: null,
    callback_attempts: result.callback_attempts,
  };
}

/** Whether two follow-ups differ in anything a subscriber sees. */
export function followUpChanged(a: CallFollowUp, b: CallFollowUp): boolean {
  return CALL_FOLLOW_UP_FIELDS.some((field) => a[field] !== b[field]);
}
