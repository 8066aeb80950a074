import type { PlainOutputField } from 'zapier-platform-core';
import type { CallEventType } from '../../lib/callEvent';
import { DISPOSITION_LABELS, FOLLOW_UP_STATUS_LABELS } from '../../lib/callRecord';
import {
  CALL_EVENT_OUTPUT_FIELDS,
  CALL_FOLLOW_UP_OUTPUT_FIELDS,
} from '../../lib/zapier/callEventFields';
import { CALL_EVENT_SAMPLES } from '../../lib/zapier/callEventSamples';
import {
  CALL_RECORD_OUTPUT_FIELDS,
  CALL_RECORD_SAMPLE,
  CALL_UPDATED_OUTPUT_FIELDS,
} from '../../lib/zapier/callRecordFields';

/**
 * The Make custom app (`make/`), in the local layout of Make's own tooling, the "Make Apps
 * Editor" VS Code extension (docs/zapier-facts.md §10): `makecomapp.json` naming every component
 * and its code files, `general/base.imljson`, and `<type>s/<kebab-id>/<kebab-id>.<code>.iml.json`.
 *
 * The files are generated here, from the event contract's samples and field labels, so the Make
 * app, the Zapier app and the bridge describe one event the same way; `npm run make:generate`
 * writes them and a test fails when the committed files differ. The IML in them is evaluated and
 * sent to the real bridge by test/make.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const MAKE_APP_DIR = 'make';

/** The connection every module, RPC and webhook uses. */
const CONNECTION = 'bridge';

/** How the bridge's errors read in Make: its own message, the status, what to do. */
const ERROR_HANDLING = {
  message:
    "[{{statusCode}}] {{ifempty(body.message, 'The Bridge URL did not answer like a 3CX bridge: check it in the connection.')}}",
  type: 'RuntimeError',
  '400': { message: '[400] {{body.message}}', type: 'DataError' },
  '401': {
    message:
      'The bridge rejected the API key: it may have been revoked. Create a new one with `3cx-bridge key create` and reconnect.',
    type: 'InvalidAccessTokenError',
  },
  '404': {
    message: "[404] {{ifempty(body.message, 'Not found.')}}",
    type: 'DataError',
  },
  '429': { message: '[429] {{body.message}}', type: 'RateLimitError' },
};

const SANITIZE = { sanitize: ['request.headers.authorization'] };

// ---- interfaces and samples, from the event contract -------------------------------------------

const MAKE_TYPE: Record<string, string> = {
  string: 'text',
  datetime: 'date',
  boolean: 'boolean',
  number: 'number',
  integer: 'uinteger',
};

/**
 * A Make interface (output parameters) from a sample and the Zapier output fields' labels:
 * Zapier's flattened `location__name` becomes Make's `location` collection with a `name`.
 */
function interfaceOf(sample: Record<string, unknown>, fields: PlainOutputField[]): unknown[] {
  const byKey = new Map(fields.map((f) => [f.key, f]));
  return Object.entries(sample).map(([key, value]) => {
    const field = byKey.get(key);
    if (value !== null && typeof value === 'object' && !Array.isArray(value) && !field?.dict) {
      const parent = fields.find((f) => f.key.startsWith(`${key}__`));
      return {
        name: key,
        label: parent ? String(parent.label).replace(/ (ID|Name)$/, '') : key,
        type: 'collection',
        spec: Object.keys(value).map((sub) => ({
          name: sub,
          label: String(byKey.get(`${key}__${sub}`)?.label ?? sub),
          type: MAKE_TYPE[String(byKey.get(`${key}__${sub}`)?.type ?? 'string')] ?? 'text',
        })),
      };
    }
    if (!field) throw new Error(`no output field for "${key}"`);
    const label = String(field.label);
    if (field.dict) return { name: key, label, type: 'any' };
    if (field.list || Array.isArray(value))
      return { name: key, label, type: 'array', spec: { type: 'text' } };
    return { name: key, label, type: MAKE_TYPE[String(field.type ?? 'string')] ?? 'text' };
  });
}

const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as Json;

// ---- parameters ----------------------------------------------------------------------------------

const choices = (labels: Record<string, string>) =>
  Object.entries(labels).map(([value, label]) => ({ label, value }));

const SOURCE_LIST_PARAM = {
  name: 'sourceList',
  type: 'select',
  label: 'Source List',
  options: 'rpc://listSourceLists',
  help: 'Only calls to the phone numbers mapped to this CRM source list in the bridge. Leave empty for calls to any number.',
};

const BUSINESS_HOURS_PARAM = {
  name: 'businessHours',
  type: 'select',
  label: 'Business Hours',
  options: [
    { label: 'Business hours only', value: 'in_hours' },
    { label: 'After hours only', value: 'after_hours' },
  ],
  help: "Only calls that started in the location's business hours, or only after hours. Leave empty for both.",
};

const CALL_PARAM = {
  name: 'callId',
  type: 'select',
  label: 'Call',
  required: true,
  options: 'rpc://listCalls',
  help: "Map the Call ID from a trigger, or pick one of the location's recent calls.",
};

// ---- webhooks and instant triggers ----------------------------------------------------------------

interface InstantTrigger {
  /** Component id of the webhook (camelCase, as in makecomapp.json). */
  webhook: string;
  module: string;
  event: CallEventType;
  label: string;
  description: string;
  /** The filters the bridge applies before delivering (lib/eventFilters.ts). */
  filters: unknown[];
}

const MISSED_ONLY_FILTERS = [
  {
    name: 'skipVoicemailLeft',
    type: 'boolean',
    label: 'Skip calls with a voicemail',
    help: 'Yes: do not trigger when the caller left a voicemail message.',
  },
  {
    name: 'repeat',
    type: 'select',
    label: 'First or repeat misses',
    options: [
      { label: 'First miss only', value: 'first' },
      { label: 'Repeat misses only', value: 'repeat' },
    ],
    help: "A repeat miss is a missed call from a number that already missed a call in the location's repeat window (7 days by default).",
  },
  {
    name: 'excludeKnownContacts',
    type: 'boolean',
    label: 'Skip known contacts',
    help: 'Yes: do not trigger for callers the bridge already knows as contacts.',
  },
];

/**
 * One dedicated, attached webhook per event (docs/zapier-facts.md §10): attaching registers the
 * webhook's URL with the bridge as a REST-hook subscription (`POST /v1/hooks`) and keeps its id;
 * detaching deletes that subscription. Returned / Not Returned take Missed Calls' filters: their
 * events carry the missed call's fields.
 */
export const INSTANT_TRIGGERS: InstantTrigger[] = [
  {
    webhook: 'missedCalls',
    module: 'watchMissedCalls',
    event: 'call.missed',
    label: 'Watch Missed Calls',
    description:
      'Triggers when a call to your 3CX system rings out unanswered and has settled: missed, sent to voicemail, or abandoned.',
    filters: [SOURCE_LIST_PARAM, BUSINESS_HOURS_PARAM, ...MISSED_ONLY_FILTERS],
  },
  {
    webhook: 'callsStarted',
    module: 'watchCallsStarted',
    event: 'call.started',
    label: 'Watch Calls Started',
    description: 'Triggers when a call to or from your 3CX system first appears in its call log.',
    filters: [SOURCE_LIST_PARAM, BUSINESS_HOURS_PARAM, MISSED_ONLY_FILTERS[2]],
  },
  {
    webhook: 'callsEnded',
    module: 'watchCallsEnded',
    event: 'call.ended',
    label: 'Watch Calls Ended',
    description: 'Triggers when a call has ended and settled, whatever its outcome.',
    filters: [SOURCE_LIST_PARAM, BUSINESS_HOURS_PARAM, MISSED_ONLY_FILTERS[2]],
  },
  {
    webhook: 'callsUpdated',
    module: 'watchCallsUpdated',
    event: 'call.updated',
    label: 'Watch Call Records Updated',
    description:
      "Triggers when a call's record changes in the bridge: a disposition, notes, tags, a follow-up status, the CRM contact or custom fields.",
    filters: [SOURCE_LIST_PARAM, BUSINESS_HOURS_PARAM],
  },
  {
    webhook: 'missedCallsReturned',
    module: 'watchMissedCallsReturned',
    event: 'call.returned',
    label: 'Watch Missed Calls Returned',
    description:
      'Triggers when a missed call has been returned: the team called back and got through, or the caller rang again and someone answered.',
    filters: [SOURCE_LIST_PARAM, BUSINESS_HOURS_PARAM, ...MISSED_ONLY_FILTERS],
  },
  {
    webhook: 'missedCallsNotReturned',
    module: 'watchMissedCallsNotReturned',
    event: 'call.unreturned',
    label: 'Watch Missed Calls Not Returned',
    description:
      "Triggers when nobody has called a missed caller back by the location's deadline (30 minutes of business hours by default).",
    filters: [SOURCE_LIST_PARAM, BUSINESS_HOURS_PARAM, ...MISSED_ONLY_FILTERS],
  },
];

/** The webhook parameter that maps to each bridge filter (lib/eventFilters.ts). */
const FILTER_KEYS: Record<string, string> = {
  sourceList: 'source_list',
  businessHours: 'business_hours',
  skipVoicemailLeft: 'skip_voicemail_left',
  repeat: 'repeat',
  excludeKnownContacts: 'exclude_known_contacts',
};

function webhookFiles(trigger: InstantTrigger) {
  const filters: Record<string, string> = {};
  for (const param of trigger.filters) {
    const name = String((param as { name: string }).name);
    filters[FILTER_KEYS[name]] = `{{parameters.${name}}}`;
  }
  return {
    communication: {
      // The bridge POSTs one event per request and treats any 2xx as delivered.
      respond: { type: 'json', status: 200, body: { received: true } },
      output: '{{body}}',
    },
    params: asJson(trigger.filters),
    attach: {
      url: '/hooks',
      method: 'POST',
      body: { target_url: '{{webhook.url}}', event: trigger.event, filters },
      response: { data: { id: '{{body.id}}' } },
    },
    detach: { url: '/hooks/{{webhook.id}}', method: 'DELETE' },
  };
}

function instantTriggerFiles(trigger: InstantTrigger) {
  const sample = CALL_EVENT_SAMPLES[trigger.event] as unknown as Record<string, unknown>;
  const fields =
    trigger.event === 'call.updated'
      ? CALL_UPDATED_OUTPUT_FIELDS
      : trigger.event === 'call.returned' || trigger.event === 'call.unreturned'
        ? CALL_FOLLOW_UP_OUTPUT_FIELDS
        : CALL_EVENT_OUTPUT_FIELDS;
  return {
    staticParams: [],
    mappableParams: [],
    interface: interfaceOf(sample, fields),
    samples: asJson(sample),
  };
}

// ---- the other modules and the RPCs --------------------------------------------------------------

const RECORD_INTERFACE = interfaceOf(
  CALL_RECORD_SAMPLE as unknown as Record<string, unknown>,
  CALL_RECORD_OUTPUT_FIELDS,
);
const EVENT_INTERFACE = interfaceOf(
  CALL_EVENT_SAMPLES['call.missed'] as unknown as Record<string, unknown>,
  CALL_EVENT_OUTPUT_FIELDS,
);

/** Update Call Record's fields that "Fields to clear" can empty (the API's `null`). */
const CLEARABLE: Record<string, string> = {
  disposition: 'Disposition',
  follow_up_status: 'Follow-up status',
  notes: 'Notes',
  tags: 'Tags',
  contact_id: 'Contact ID (CRM)',
  contact_url: 'Contact URL (CRM)',
  contact_name: 'Contact name (CRM)',
  custom_fields: 'Custom fields (all of them)',
  replied_at: 'Caller replied at',
};

/** A value the user set, or `null` when they asked to clear the field. */
const setOrClear = (field: string, value: string) =>
  `{{if(contains(parameters.clearFields, '${field}'), null, ${value})}}`;

const MODULES = {
  updateCallRecord: {
    label: 'Update a Call Record',
    description:
      "Updates a call's record in the bridge: disposition, when the caller replied, notes, tags, follow-up status, custom fields and the caller's CRM contact.",
    moduleType: 'action',
    actionCrud: 'update',
    files: {
      communication: {
        url: '/calls/{{parameters.callId}}',
        method: 'PATCH',
        body: {
          disposition: setOrClear('disposition', 'parameters.disposition'),
          replied_at: setOrClear('replied_at', 'parameters.repliedAt'),
          follow_up_status: setOrClear('follow_up_status', 'parameters.followUpStatus'),
          notes: setOrClear('notes', 'parameters.notes'),
          tags: "{{if(contains(parameters.clearFields, 'tags'), emptyarray, parameters.tags)}}",
          contact_id: setOrClear('contact_id', 'parameters.contactId'),
          contact_url: setOrClear('contact_url', 'parameters.contactUrl'),
          contact_name: setOrClear('contact_name', 'parameters.contactName'),
          custom_fields: setOrClear(
            'custom_fields',
            "toCollection(parameters.customFields, 'name', 'value')",
          ),
        },
        response: { output: '{{body}}' },
      },
      staticParams: [],
      mappableParams: [
        CALL_PARAM,
        {
          name: 'disposition',
          type: 'select',
          label: 'Disposition',
          options: choices(DISPOSITION_LABELS),
          help: 'What came of the follow-up. Leave empty to keep the current disposition.',
        },
        {
          name: 'repliedAt',
          type: 'date',
          label: 'Caller replied at',
          help: 'When the caller replied to your follow-up (an answer to the SMS), for the reply rate in the bridge’s reports. The disposition Replied without a time uses the time of the update.',
        },
        {
          name: 'followUpStatus',
          type: 'select',
          label: 'Follow-up status',
          options: choices(FOLLOW_UP_STATUS_LABELS),
        },
        { name: 'notes', type: 'text', label: 'Notes', help: "Replaces the call's notes." },
        {
          name: 'tags',
          type: 'array',
          label: 'Tags',
          spec: { type: 'text', label: 'Tag' },
          help: "Replaces the call's tags.",
        },
        { name: 'contactId', type: 'text', label: 'Contact ID (CRM)' },
        { name: 'contactUrl', type: 'url', label: 'Contact URL (CRM)' },
        { name: 'contactName', type: 'text', label: 'Contact name (CRM)' },
        {
          name: 'customFields',
          type: 'array',
          label: 'Custom fields',
          spec: [
            { name: 'name', type: 'text', label: 'Name', required: true },
            { name: 'value', type: 'text', label: 'Value', required: true },
          ],
          help: 'Added to the fields the call already has.',
        },
        {
          name: 'clearFields',
          type: 'select',
          label: 'Fields to clear',
          multiple: true,
          options: choices(CLEARABLE),
          help: 'Fields to empty on the record (a field left empty above keeps its value).',
        },
      ],
      interface: RECORD_INTERFACE,
      samples: asJson(CALL_RECORD_SAMPLE),
    },
  },
  getCall: {
    label: 'Get a Call',
    description: "Returns a call's record: what happened, and what the team wrote back.",
    moduleType: 'action',
    actionCrud: 'read',
    files: {
      communication: {
        url: '/calls/{{parameters.callId}}',
        method: 'GET',
        response: { output: '{{body}}' },
      },
      staticParams: [],
      mappableParams: [CALL_PARAM],
      interface: RECORD_INTERFACE,
      samples: asJson(CALL_RECORD_SAMPLE),
    },
  },
  searchCalls: {
    label: 'Search Calls',
    description: "Lists the location's calls, newest first, by phone number, outcome or direction.",
    moduleType: 'search',
    files: {
      communication: {
        url: '/calls',
        method: 'GET',
        qs: {
          number: '{{parameters.number}}',
          outcome: '{{parameters.outcome}}',
          direction: '{{parameters.direction}}',
          limit: 100,
        },
        response: {
          iterate: '{{body.data}}',
          output: '{{item}}',
          limit: '{{ifempty(parameters.limit, 10)}}',
        },
        pagination: {
          qs: { cursor: '{{body.next_cursor}}' },
          condition: '{{body.next_cursor}}',
        },
      },
      staticParams: [],
      mappableParams: [
        {
          name: 'number',
          type: 'text',
          label: 'Phone number',
          help: 'Calls to or from this outside number, written any way.',
        },
        {
          name: 'outcome',
          type: 'select',
          label: 'Outcome',
          options: choices({
            answered: 'Answered',
            missed: 'Missed',
            voicemail: 'Voicemail',
            abandoned: 'Abandoned',
          }),
        },
        {
          name: 'direction',
          type: 'select',
          label: 'Direction',
          options: choices({ inbound: 'Inbound', outbound: 'Outbound', internal: 'Internal' }),
        },
        {
          name: 'limit',
          type: 'uinteger',
          label: 'Limit',
          default: 10,
          help: 'The most calls to return.',
        },
      ],
      interface: RECORD_INTERFACE,
      samples: asJson(CALL_RECORD_SAMPLE),
    },
  },
  watchCallEvents: {
    label: 'Watch Call Events',
    description:
      'Triggers on new events in the bridge’s event feed (missed, started, ended, updated, returned and not returned calls) each time the scenario runs.',
    moduleType: 'trigger',
    files: {
      communication: {
        url: '/events',
        method: 'GET',
        qs: {
          event: '{{parameters.event}}',
          source_list: '{{parameters.sourceList}}',
          limit: 100,
        },
        response: {
          iterate: '{{body.data}}',
          output: '{{item}}',
          limit: '{{ifempty(parameters.limit, 10)}}',
          // Newest first; Make keeps the date of the newest event it processed.
          trigger: { type: 'date', order: 'desc', id: '{{item.id}}', date: '{{item.occurred_at}}' },
        },
        pagination: {
          qs: { cursor: '{{body.next_cursor}}' },
          condition: '{{body.next_cursor}}',
        },
      },
      epoch: {
        response: {
          limit: 300,
          output: {
            label: '{{item.event}} {{item.caller_number}} {{item.occurred_at}}',
            date: '{{item.occurred_at}}',
          },
        },
      },
      staticParams: [
        {
          name: 'event',
          type: 'select',
          label: 'Event',
          options: [
            { label: 'Missed calls', value: 'call.missed' },
            { label: 'Calls started', value: 'call.started' },
            { label: 'Calls ended', value: 'call.ended' },
            { label: 'Call records updated', value: 'call.updated' },
            { label: 'Missed calls returned', value: 'call.returned' },
            { label: 'Missed calls not returned', value: 'call.unreturned' },
          ],
          help: 'Leave empty for every event.',
        },
        SOURCE_LIST_PARAM,
        {
          name: 'limit',
          type: 'uinteger',
          label: 'Limit',
          default: 10,
          help: 'The most events to process in one run.',
        },
      ],
      mappableParams: [],
      interface: EVENT_INTERFACE,
      samples: asJson(CALL_EVENT_SAMPLES['call.missed']),
    },
  },
} as const;

const RPCS = {
  listSourceLists: {
    label: 'List source lists',
    files: {
      communication: {
        url: '/source-lists',
        method: 'GET',
        response: {
          iterate: '{{body.data}}',
          output: { label: '{{item.name}}', value: '{{item.id}}' },
        },
      },
      params: [],
    },
  },
  listCalls: {
    label: 'List recent calls',
    files: {
      communication: {
        url: '/calls',
        method: 'GET',
        qs: { limit: 100 },
        response: {
          iterate: '{{body.data}}',
          limit: 300,
          output: {
            label:
              '{{ifempty(item.caller_name, item.caller_number)}} · {{ifempty(item.outcome, item.status)}} · {{item.started_at}}',
            value: '{{item.id}}',
          },
        },
        pagination: {
          qs: { cursor: '{{body.next_cursor}}' },
          condition: '{{body.next_cursor}}',
        },
      },
      params: [],
    },
  },
} as const;

// ---- the connection and the base --------------------------------------------------------------------

/** The address without a trailing `/` or `/v1`: the base URL adds `/v1`. */
export const BRIDGE_URL_PATTERN = '^https://[^\\s/?#]+(/[^\\s?#]*[^\\s/?#])?(?<!/v1)$';

const CONNECTION_FILES = {
  communication: {
    url: '{{parameters.bridgeUrl}}/v1/me',
    method: 'GET',
    headers: { authorization: 'Bearer {{parameters.apiKey}}' },
    response: {
      metadata: { type: 'text', value: '{{body.name}}' },
      error: ERROR_HANDLING,
    },
    log: SANITIZE,
  },
  params: [
    {
      name: 'bridgeUrl',
      type: 'text',
      label: 'Bridge URL',
      required: true,
      validate: { pattern: BRIDGE_URL_PATTERN },
      help: 'Where the bridge is reachable from the internet, such as `https://bridge.example.com`: https, without `/v1` or a trailing `/`.',
    },
    {
      name: 'apiKey',
      type: 'password',
      label: 'API Key',
      required: true,
      help: 'Your location’s key, starting with `cxb_`, printed once by `3cx-bridge location add` or `3cx-bridge key create`.',
    },
  ],
  common: {},
};

const BASE = {
  baseUrl: '{{connection.bridgeUrl}}/v1',
  headers: { authorization: 'Bearer {{connection.apiKey}}' },
  response: { error: ERROR_HANDLING },
  log: SANITIZE,
};

const GROUPS = [
  {
    label: 'Calls',
    modules: [
      ...INSTANT_TRIGGERS.map((t) => t.module),
      'watchCallEvents',
      'searchCalls',
      'getCall',
      'updateCallRecord',
    ],
  },
];

// ---- the layout -------------------------------------------------------------------------------------

const kebab = (id: string) => id.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** File code name (makecomapp.json) → file suffix, as the Make Apps Editor names them. */
const CODE_SUFFIX: Record<string, string> = {
  communication: 'communication',
  params: 'params',
  staticParams: 'static-params',
  mappableParams: 'mappable-params',
  interface: 'interface',
  samples: 'samples',
  epoch: 'epoch',
  attach: 'attach',
  detach: 'detach',
  common: 'common',
};

export interface MakeApp {
  /** Path under `make/` → file content. */
  files: Map<string, Json>;
  makecomapp: Json;
}

export function makeApp(): MakeApp {
  const files = new Map<string, Json>();
  const components: Record<string, Record<string, Json>> = {
    connection: {},
    webhook: {},
    module: {},
    rpc: {},
    function: {},
  };
  const add = (
    type: 'connection' | 'webhook' | 'module' | 'rpc',
    id: string,
    metadata: Record<string, Json>,
    codes: Record<string, unknown>,
  ) => {
    const dir = `${type}s/${kebab(id)}`;
    const codeFiles: Record<string, string> = {};
    for (const [code, content] of Object.entries(codes)) {
      const ext = code === 'common' ? 'json' : 'iml.json';
      const path = `${dir}/${kebab(id)}.${CODE_SUFFIX[code]}.${ext}`;
      codeFiles[code] = path;
      files.set(path, asJson(content));
    }
    components[type][id] = { ...metadata, codeFiles };
  };

  add(
    'connection',
    CONNECTION,
    { label: '3CX Missed-Call Bridge', connectionType: 'basic' },
    CONNECTION_FILES,
  );
  for (const trigger of INSTANT_TRIGGERS) {
    add(
      'webhook',
      trigger.webhook,
      {
        label: `${trigger.label.replace(/^Watch /, '')} (${trigger.event})`,
        webhookType: 'web',
        connection: CONNECTION,
      },
      webhookFiles(trigger),
    );
    add(
      'module',
      trigger.module,
      {
        label: trigger.label,
        description: trigger.description,
        moduleType: 'instant_trigger',
        connection: null,
        webhook: trigger.webhook,
      },
      instantTriggerFiles(trigger),
    );
  }
  for (const [id, module] of Object.entries(MODULES)) {
    const { files: codes, ...metadata } = module;
    add(
      'module',
      id,
      { ...(asJson(metadata) as Record<string, Json>), connection: CONNECTION },
      codes,
    );
  }
  for (const [id, rpc] of Object.entries(RPCS)) {
    add('rpc', id, { label: rpc.label, connection: CONNECTION }, rpc.files);
  }

  files.set('general/base.imljson', asJson(BASE));
  files.set('general/common.json', {});
  files.set('modules/groups.json', asJson(GROUPS));
  const makecomapp: Json = {
    fileVersion: 1,
    generalCodeFiles: {
      base: 'general/base.imljson',
      common: 'general/common.json',
      readme: 'README.md',
      groups: 'modules/groups.json',
    },
    components,
    // Filled in by `npm run make:deploy` from the environment: never an API key in the repo.
    origins: [],
  };
  files.set('makecomapp.json', makecomapp);
  return { files, makecomapp };
}
