import { defineTrigger } from 'zapier-platform-core';
import { callEventHookOperation } from '../lib/zapier/callEventHook';

/**
 * `call.returned`: a missed call was returned, because a later call with the caller's number
 * connected: the team called back and the caller answered, or the caller rang again and someone
 * picked up (docs/design.md "Follow-up"). Once per miss, with who returned it and how long it
 * took, so a Zap can close the CRM task or log the recovery.
 */
export const missedCallReturned = defineTrigger({
  key: 'missed_call_returned',
  noun: 'Missed Call',
  display: {
    label: 'Missed Call Returned',
    description:
      'Triggers when a missed call has been returned: the team called the caller back and got through, or the caller rang again and someone answered. Includes who returned it and how long it took. No calls yet? Send a test with `3cx-bridge test-event --event call.returned`.',
  },
  operation: callEventHookOperation('call.returned'),
});
