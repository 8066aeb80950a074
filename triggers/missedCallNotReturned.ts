import { defineTrigger } from 'zapier-platform-core';
import { callEventHookOperation } from '../lib/zapier/callEventHook';

/**
 * `call.unreturned`: nobody has reached a missed caller when the location's deadline passes
 * (30 minutes of business hours unless the bridge's administrator changed it, so a Friday
 * evening miss falls due on Monday morning): the escalation branch of a missed-call workflow.
 */
export const missedCallNotReturned = defineTrigger({
  key: 'missed_call_not_returned',
  noun: 'Missed Call',
  display: {
    label: 'Missed Call Not Returned',
    description:
      "Triggers when nobody has called a missed caller back by the location's deadline (30 minutes of business hours by default; a Friday-evening miss falls due on Monday morning), so the Zap can escalate. No calls yet? Send a test with `3cx-bridge test-event --event call.unreturned`.",
  },
  operation: callEventHookOperation('call.unreturned'),
});
