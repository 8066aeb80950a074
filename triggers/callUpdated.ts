import { defineTrigger } from 'zapier-platform-core';
import { callEventHookOperation } from '../lib/zapier/callEventHook';

/**
 * `call.updated`: a call's record changed — a disposition, notes, tags, a follow-up status, the
 * CRM contact or custom fields — so a CRM or a report can follow what the team did about each
 * call (as Aircall, CallRail and JustCall offer). One event per change, with the fields that
 * changed.
 */
export const callUpdated = defineTrigger({
  key: 'call_updated',
  noun: 'Call Record',
  display: {
    label: 'Call Updated',
    description:
      "Triggers when a call's record changes in the bridge, such as when Update Call Record sets a disposition, notes, tags, a follow-up status or the CRM contact. A Zap on this trigger that also runs Update Call Record triggers itself: add a Filter on Changed Fields. No calls yet? Send a test with `3cx-bridge test-event --event call.updated`.",
  },
  operation: callEventHookOperation('call.updated'),
});
