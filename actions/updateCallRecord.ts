import { defineCreate, defineInputFields, type Bundle, type ZObject } from 'zapier-platform-core';
import {
  callRecordPatchSchema,
  DISPOSITION_LABELS,
  FOLLOW_UP_STATUS_LABELS,
  type CallRecord,
  type CallRecordPatch,
} from '../lib/callRecord';
import { callBridge } from '../lib/zapier/bridgeRequest';
import { CALL_RECORD_OUTPUT_FIELDS, CALL_RECORD_SAMPLE } from '../lib/zapier/callRecordFields';
import { callIdFromReference } from '../lib/zapier/callReference';
import { readList, readText } from '../lib/zapier/inputValues';

/**
 * Update Call Record (docs/design.md "Three ways people use it"): the workflow writes back what
 * happened — disposition, notes, tags, follow-up status — and which CRM contact the caller is.
 * `PATCH /v1/calls/:id` (docs/api.md). Setting a contact also teaches the bridge the number, so
 * 3CX shows the contact and later events say `known_contact: true`.
 *
 * Empty fields are left out of the patch: an optional field left blank keeps the record's
 * value instead of clearing it, as a Zapier user expects.
 */
const choicesFrom = (labels: Record<string, string>) =>
  Object.entries(labels).map(([value, label]) => ({ value, label, sample: value }));

export const updateCallRecordInputFields = defineInputFields([
  {
    key: 'call_id',
    label: 'Call',
    required: true,
    dynamic: 'recent_call.id.name',
    helpText:
      'The call to update. Map **Call ID** from a Missed Call, Call Started or Call Ended trigger, or pick one of the recent calls.',
  },
  {
    key: 'disposition',
    label: 'Disposition',
    choices: choicesFrom(DISPOSITION_LABELS),
    helpText: 'What came of the follow-up. Leave empty to keep the current disposition.',
  },
  {
    key: 'follow_up_status',
    label: 'Follow-Up Status',
    choices: choicesFrom(FOLLOW_UP_STATUS_LABELS),
    helpText: 'Where the follow-up stands, for reports and later Zaps. Leave empty to keep it.',
  },
  {
    key: 'notes',
    label: 'Notes',
    type: 'text',
    helpText:
      "Replaces the call's notes, such as what the caller wanted. Leave empty to keep them.",
  },
  {
    key: 'tags',
    label: 'Tags',
    list: true,
    helpText:
      "Replaces the call's tags. Enter one tag per line, or map a comma-separated list such as `sms-sent, vip`.",
  },
  {
    key: 'contact_id',
    label: 'Contact ID (CRM)',
    helpText:
      "The caller's ID in your CRM, usually mapped from a Find Contact or Create Contact step. The bridge then knows this number: 3CX shows the contact, and later calls from it have Known Contact set to true.",
  },
  {
    key: 'contact_url',
    label: 'Contact URL (CRM)',
    helpText: "A link to the caller's page in your CRM, starting with `https://`.",
  },
  {
    key: 'contact_name',
    label: 'Contact Name (CRM)',
    helpText: 'The name to show for this caller in 3CX and in later events.',
  },
]);

function patchFromInput(inputData: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const key of [
    'disposition',
    'follow_up_status',
    'notes',
    'contact_id',
    'contact_url',
    'contact_name',
  ]) {
    const value = key === 'notes' ? readNotes(inputData.notes) : readText(inputData[key]);
    if (value !== undefined) patch[key] = value;
  }
  const tags = readList(inputData.tags);
  if (tags !== undefined) patch.tags = tags;
  return patch;
}

/** Notes keep their line breaks; only blank notes count as empty. */
function readNotes(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = String(value);
  return text.trim() === '' ? undefined : text;
}

export async function updateCallRecord(z: ZObject, bundle: Bundle): Promise<CallRecord> {
  const inputData = (bundle.inputData ?? {}) as Record<string, unknown>;
  const callId = callIdFromReference(inputData.call_id);
  if (!callId) {
    throw new z.errors.Error(
      'Choose the call to update, or map its Call ID from the trigger.',
      'no_call',
    );
  }
  const raw = patchFromInput(inputData);
  if (Object.keys(raw).length === 0) {
    throw new z.errors.Error(
      'Nothing to update: fill in at least one of Disposition, Follow-Up Status, Notes, Tags or a contact field.',
      'empty_update',
    );
  }
  const checked = callRecordPatchSchema.safeParse(raw);
  if (!checked.success) {
    const problems = checked.error.issues
      .map((issue) => `${issue.path.join('.') || 'update'}: ${issue.message}`)
      .join('; ');
    throw new z.errors.Error(`Check the fields of this step: ${problems}.`, 'invalid_request');
  }
  const patch: CallRecordPatch = checked.data;
  const { data } = await callBridge<CallRecord>(z, bundle, {
    method: 'PATCH',
    path: `/v1/calls/${encodeURIComponent(callId)}`,
    body: patch,
  });
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new z.errors.Error(
      'The bridge saved the update but returned no call record.',
      'no_record',
    );
  }
  return data;
}

export const updateCallRecordAction = defineCreate({
  key: 'update_call_record',
  noun: 'Call Record',
  display: {
    label: 'Update Call Record',
    description:
      "Updates a call's record in the bridge: disposition, notes, tags, follow-up status and the CRM contact the caller belongs to.",
  },
  operation: {
    inputFields: updateCallRecordInputFields,
    perform: updateCallRecord,
    sample: CALL_RECORD_SAMPLE,
    outputFields: CALL_RECORD_OUTPUT_FIELDS,
  },
});
