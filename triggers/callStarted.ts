import { defineTrigger } from 'zapier-platform-core';
import { callEventHookOperation } from '../lib/zapier/callEventHook';

/** `call.started`: once per call, when it is first seen on the PBX (DESIGN.md "Which events fire"). */
export const callStarted = defineTrigger({
  key: 'call_started',
  noun: 'Call',
  display: {
    label: 'Call Started',
    description:
      'Triggers when a call to or from your 3CX system starts, while it is still ringing or in progress.',
  },
  operation: callEventHookOperation('call.started'),
});
