import { defineTrigger } from 'zapier-platform-core';
import { callEventHookOperation } from '../lib/zapier/callEventHook';

/** `call.ended`: once per call, when it has settled, whatever its outcome. */
export const callEnded = defineTrigger({
  key: 'call_ended',
  noun: 'Call',
  display: {
    label: 'Call Ended',
    description:
      'Triggers when a call to or from your 3CX system has ended and settled, whatever its outcome: answered, missed, voicemail or abandoned. No calls yet? Send a realistic test call with `3cx-bridge test-event` (it is marked Test Event: true).',
  },
  operation: callEventHookOperation('call.ended'),
});
