import { defineTrigger } from 'zapier-platform-core';
import { callEventHookOperation } from '../lib/zapier/callEventHook';

/**
 * The trigger the project exists for (docs/design.md "What it is for"): an inbound call from an
 * outside number that settled unanswered — missed, voicemail or abandoned — once per call,
 * only after it settled, so no one texts a caller who is still leaving a message.
 */
export const missedCall = defineTrigger({
  key: 'missed_call',
  noun: 'Missed Call',
  display: {
    label: 'Missed Call',
    description:
      'Triggers when a call to your 3CX system rings out unanswered and has settled: missed, sent to voicemail, or abandoned by the caller. No calls yet? Send a realistic test call with `3cx-bridge test-event` (it is marked Test Event: true).',
  },
  operation: callEventHookOperation('call.missed'),
});
