import { defineTrigger, type Bundle, type ZObject } from 'zapier-platform-core';
import type { CallRecord } from '../lib/callRecord';
import { callBridge } from '../lib/zapier/bridgeRequest';
import { callChoiceLabel } from '../lib/zapier/callChoiceLabel';

/**
 * Hidden: fills the Call dropdown of Update Call Record with the location's recent calls,
 * newest first (`GET /v1/calls`, docs/api.md), labelled so a person can tell them apart.
 * Most Zaps map the Call ID from their trigger (or Find Call) instead; the dropdown is for
 * picking by hand (check D004). It pages: "Load more" asks for `bundle.meta.page` 1, 2…, and
 * the bridge's opaque `next_cursor` is kept between pages in Zapier's cursor store
 * (`z.cursor`, `canPaginate`; CLI README "What's the deal with pagination?").
 */
export interface CallChoice {
  id: string;
  name: string;
}

const CALLS_IN_DROPDOWN = 100;

export async function listRecentCalls(z: ZObject, bundle: Bundle): Promise<CallChoice[]> {
  let cursor: string | undefined;
  if ((bundle.meta?.page ?? 0) > 0) {
    // Only a later page reads the cursor: page 0 must never reuse one left by an earlier load.
    const stored = await z.cursor.get();
    if (!stored) return []; // the previous page was the last
    cursor = stored;
  }
  const { data } = await callBridge<{ data?: CallRecord[]; next_cursor?: string | null }>(
    z,
    bundle,
    { path: '/v1/calls', params: { limit: CALLS_IN_DROPDOWN, cursor } },
  );
  await z.cursor.set(typeof data?.next_cursor === 'string' ? data.next_cursor : '');
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
    canPaginate: true,
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
