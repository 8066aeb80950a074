import { defineTrigger, type Bundle, type ZObject } from 'zapier-platform-core';
import type { CallRecord } from '../lib/callRecord';
import { callBridge } from '../lib/zapier/bridgeRequest';
import { callChoiceLabel } from '../lib/zapier/callChoiceLabel';

/**
 * Hidden: fills the Call dropdown of Update Call Record with the location's recent calls,
 * newest first (`GET /v1/calls`, docs/api.md), labelled so a person can tell them apart.
 * Most Zaps map the Call ID from their trigger instead; the dropdown is for picking by hand
 * (check D004). One page of 100: `z.cursor` paging needs Zapier's cursor store, and a call
 * older than the newest hundred is best mapped by id.
 */
export interface CallChoice {
  id: string;
  name: string;
}

const CALLS_IN_DROPDOWN = 100;

export async function listRecentCalls(z: ZObject, bundle: Bundle): Promise<CallChoice[]> {
  const { data } = await callBridge<{ data?: CallRecord[] }>(z, bundle, {
    path: '/v1/calls',
    params: { limit: CALLS_IN_DROPDOWN },
  });
  return (Array.isArray(data?.data) ? data.data : [])
    .filter((call) => typeof call?.id === 'string')
    .map((call) => ({ id: call.id, name: callChoiceLabel(call, bundle.meta?.timezone) }));
}

export const recentCall = defineTrigger({
  key: 'recent_call',
  noun: 'Call',
  display: {
    label: 'New Call',
    description: 'Triggers when a call is recorded by the bridge. Used for dropdowns.',
    hidden: true,
  },
  operation: {
    type: 'polling',
    perform: listRecentCalls,
    sample: {
      id: '00000000-01db-aef6-c109-60ec00000104',
      name: 'Missed call from Jane Citizen (+61412345678) · 2 Mar 2026, 19:30',
    },
    outputFields: [
      { key: 'id', label: 'Call ID', type: 'string' },
      { key: 'name', label: 'Call', type: 'string' },
    ],
  },
});
