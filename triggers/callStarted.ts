import { defineTrigger } from 'zapier-platform-core';
import { callEventHookOperation } from '../lib/zapier/callEventHook';

/** `call.started`: once per call, when it is first seen on the PBX (docs/design.md "Which events fire"). */
export const callStarted = defineTrigger({
  key: 'call_started',
  noun: 'Call',
  display: {
    label: 'Call Started',
    description:
      // 3CX writes a call-log row only when that part of the call ends, and /ActiveCalls has no
      // CallHistoryId to tie a ringing call to its later events (docs/3cx-facts.md §1.7).
      'Triggers when a call to or from your 3CX system first appears in its call log: while it still rings for calls through a menu or queue, when it ends for a call straight to an extension. No calls yet? Send a realistic test call with `3cx-bridge test-event` (it is marked Test Event: true).',
  },
  operation: callEventHookOperation('call.started'),
});
