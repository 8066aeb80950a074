import { defineInputFields, defineSearch, type Bundle, type ZObject } from 'zapier-platform-core';
import type { CallRecord } from '../lib/callRecord';
import { callBridge } from '../lib/zapier/bridgeRequest';
import { CALL_RECORD_OUTPUT_FIELDS, CALL_RECORD_SAMPLE } from '../lib/zapier/callRecordFields';
import { callIdFromReference } from '../lib/zapier/callReference';
import { readText } from '../lib/zapier/inputValues';

/**
 * Find Call: one call's record, by its id or as the latest call from a phone number
 * (`GET /v1/calls/:id`, `GET /v1/calls?number=&limit=1`, docs/api.md). It powers the Call field
 * of Update Call Record (`search: 'find_call.id'`), so a Zap that starts in a CRM or a form can
 * find the call a number made and write back to it. Nothing found is `[]`, which Zapier shows
 * as "no results" and lets the Zap stop or go on as the user chose, never an error.
 */
export const findCallInputFields = defineInputFields([
  {
    key: 'call_id',
    label: 'Call ID',
    dynamic: 'recent_call.id.name',
    helpText:
      "The call's ID in the bridge, mapped from a trigger's **Call ID** (or picked from the recent calls). Leave empty to find the latest call from a phone number instead.",
  },
  {
    key: 'number',
    label: 'Phone Number',
    helpText:
      "Finds the latest call to or from this outside number, written any way (`+61412345678`, `0412 345 678`): the bridge compares numbers in E.164, in the location's country. Used when Call ID is empty.",
  },
]);

export async function findCall(z: ZObject, bundle: Bundle): Promise<CallRecord[]> {
  const inputData = (bundle.inputData ?? {}) as Record<string, unknown>;
  const callId = callIdFromReference(inputData.call_id);
  if (callId) {
    const { status, data } = await callBridge<CallRecord>(z, bundle, {
      path: `/v1/calls/${encodeURIComponent(callId)}`,
      acceptStatuses: [404],
    });
    return status === 404 ? [] : [data];
  }
  const number = readText(inputData.number);
  if (!number) {
    throw new z.errors.Error(
      'Fill in Call ID or Phone Number: Find Call needs one of them.',
      'no_search_terms',
    );
  }
  const { data } = await callBridge<{ data?: CallRecord[] }>(z, bundle, {
    path: '/v1/calls',
    params: { number, limit: 1 },
  });
  return (Array.isArray(data?.data) ? data.data : []).slice(0, 1);
}

export const findCallSearch = defineSearch({
  key: 'find_call',
  noun: 'Call',
  display: {
    label: 'Find Call',
    description:
      'Finds a call in the bridge by its ID, or the latest call from a phone number, with what the team wrote back to it.',
  },
  operation: {
    inputFields: findCallInputFields,
    perform: findCall,
    sample: CALL_RECORD_SAMPLE,
    outputFields: CALL_RECORD_OUTPUT_FIELDS,
  },
});
