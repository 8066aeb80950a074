import { defineCreate, defineInputFields, type Bundle, type ZObject } from 'zapier-platform-core';
import { TEST_CALL_ID_PREFIX, type CallRecordWritableField } from '../lib/callEvent';
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
 * happened — disposition, notes, tags, follow-up status, custom fields — and which CRM contact
 * the caller is. `PATCH /v1/calls/:id` (docs/api.md). Setting a contact also teaches the bridge
 * the number, so 3CX shows the contact and later events say `known_contact: true`.
 *
 * Empty fields are left out of the patch: an optional field left blank keeps the record's
 * value instead of clearing it, as a Zapier user expects; clearing is asked for explicitly with
 * Fields to Clear (the API's `null`). A step with nothing to write, or a call the bridge does
 * not have, stops the run with `HaltedError`: nothing is wrong with the Zap, and such runs must
 * not count towards Zapier turning it off (docs/zapier-facts.md §6).
 */
const choicesFrom = (labels: Record<string, string>) =>
  Object.entries(labels).map(([value, label]) => ({ value, label, sample: value }));

/** The record's fields a Zap can empty (`null` in the patch; an empty list for tags). */
const CLEARABLE_FIELDS: Record<CallRecordWritableField, string> = {
  disposition: 'Disposition',
  follow_up_status: 'Follow-Up Status',
  notes: 'Notes',
  tags: 'Tags',
  contact_id: 'Contact ID (CRM)',
  contact_url: 'Contact URL (CRM)',
  contact_name: 'Contact Name (CRM)',
  custom_fields: 'Custom Fields (All of Them)',
  replied_at: 'Caller Replied At',
};

export const updateCallRecordInputFields = defineInputFields([
  {
    key: 'call_id',
    label: 'Call',
    required: true,
    dynamic: 'recent_call.id.name',
    search: 'find_call.id',
    helpText:
      'The call to update. Map **Call ID** from a call trigger, pick one of the recent calls, or add a Find Call step to look it up by phone number.',
  },
  {
    key: 'disposition',
    label: 'Disposition',
    choices: choicesFrom(DISPOSITION_LABELS),
    helpText: 'What came of the follow-up. Leave empty to keep the current disposition.',
  },
  {
    key: 'replied_at',
    label: 'Caller Replied At',
    type: 'datetime',
    helpText:
      'When the caller replied to your follow-up (an answer to the SMS), for the reply rate in the bridge’s reports. Choosing the disposition Replied without a time uses the time of this step.',
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
  {
    key: 'custom_fields',
    label: 'Custom Fields',
    dict: true,
    helpText:
      'Your own fields on the call, such as `deal_stage` → `quote`. They are added to the fields the call already has; a field with an empty value is removed.',
  },
  {
    key: 'clear_fields',
    label: 'Fields to Clear',
    list: true,
    choices: Object.entries(CLEARABLE_FIELDS).map(([value, label]) => ({
      value,
      label,
      sample: value,
    })),
    helpText:
      'Fields to empty on the record, because a field left blank above keeps its value. Do not also fill in a field you clear.',
  },
]);

/** Thrown for a step the user must fix; the message names the field. */
class StepInputError extends Error {}

function patchFromInput(inputData: Record<string, unknown>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const key of [
    'disposition',
    'replied_at',
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
  const customFields = readCustomFields(inputData.custom_fields);
  if (customFields !== undefined) patch.custom_fields = customFields;

  for (const field of readList(inputData.clear_fields) ?? []) {
    if (!(field in CLEARABLE_FIELDS)) {
      throw new StepInputError(
        `Fields to Clear: "${field}" is not one of ${Object.keys(CLEARABLE_FIELDS).join(', ')}.`,
      );
    }
    const key = field as CallRecordWritableField;
    if (patch[key] !== undefined) {
      throw new StepInputError(
        `${CLEARABLE_FIELDS[key]} is both filled in and in Fields to Clear: keep one of the two.`,
      );
    }
    patch[key] = key === 'tags' ? [] : null;
  }
  return patch;
}

/**
 * A Zapier dict field arrives as an object of strings (or a mapped JSON object); an empty
 * value removes that custom field (`null` in the patch).
 */
function readCustomFields(value: unknown): Record<string, string | null> | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let fields = value;
  if (typeof fields === 'string') {
    try {
      fields = JSON.parse(fields);
    } catch {
      throw new StepInputError('Custom Fields: enter names and values, one pair per row.');
    }
  }
  if (!fields || typeof fields !== 'object' || Array.isArray(fields)) {
    throw new StepInputError('Custom Fields: enter names and values, one pair per row.');
  }
  const out: Record<string, string | null> = {};
  for (const [rawKey, rawValue] of Object.entries(fields)) {
    const key = rawKey.trim();
    if (key === '') continue;
    const text = rawValue === null || rawValue === undefined ? '' : String(rawValue).trim();
    out[key] = text === '' ? null : text;
  }
  return Object.keys(out).length === 0 ? undefined : out;
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
  let raw: Record<string, unknown>;
  try {
    raw = patchFromInput(inputData);
  } catch (err) {
    if (err instanceof StepInputError) throw new z.errors.Error(err.message, 'invalid_input');
    throw err;
  }
  if (Object.keys(raw).length === 0) {
    // Often a mapped field that was empty for this call: nothing to do, nothing wrong.
    throw new z.errors.HaltedError(
      'Nothing to update: every field of this step was empty for this call. Fill in at least one of Disposition, Caller Replied At, Follow-Up Status, Notes, Tags, Custom Fields, a contact field or Fields to Clear.',
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
  const { status, data } = await callBridge<CallRecord>(z, bundle, {
    method: 'PATCH',
    path: `/v1/calls/${encodeURIComponent(callId)}`,
    body: patch,
    acceptStatuses: [404],
  });
  if (status === 404) {
    throw new z.errors.HaltedError(
      callId.startsWith(TEST_CALL_ID_PREFIX)
        ? `Call ${callId} is from a test event: there is no call record to update. A real call's Call ID works.`
        : `No such call: the bridge has no call ${callId} for this location. It may belong to another location (another API key), or be older than the bridge keeps calls.`,
    );
  }
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
      "Updates a call's record in the bridge: disposition (such as Replied or Called Back), when the caller replied, notes, tags, follow-up status, custom fields and the CRM contact the caller belongs to.",
  },
  operation: {
    inputFields: updateCallRecordInputFields,
    perform: updateCallRecord,
    sample: CALL_RECORD_SAMPLE,
    outputFields: CALL_RECORD_OUTPUT_FIELDS,
  },
});
