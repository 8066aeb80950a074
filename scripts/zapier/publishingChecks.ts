import { titleCase } from './titleCase';

/**
 * Zapier's publishing checks that are pure rules about the app definition, run offline.
 * `zapier-platform validate --without-style` checks only the schema; the style checks run on
 * Zapier's servers, and local validation misses absent samples and hook methods
 * (docs/zapier-facts.md §8). Check ids and meanings: Zapier's integration checks reference
 * (https://docs.zapier.com/integrations/publish/integration-checks-reference).
 *
 * Input is the serialized definition (core's `definition` command: functions appear as
 * `$func$…` strings), i.e. what Zapier's checker sees.
 */
export type CheckId =
  | 'D001'
  | 'D002'
  | 'D003'
  | 'D004'
  | 'D005'
  | 'D006'
  | 'D008'
  | 'D010'
  | 'D011'
  | 'D012'
  | 'D017'
  | 'D018'
  | 'D021'
  | 'D023'
  | 'D024';

export interface Violation {
  check: CheckId;
  /** Where in the definition, such as `triggers.missed_call.operation.sample.started_at`. */
  where: string;
  message: string;
}

export interface CheckOptions {
  /**
   * Deliberate exceptions, `{ '<check> <where>': 'why' }`. A reason is required so an
   * exception is a decision someone can review, not a silenced warning.
   */
  exemptions?: Record<string, string>;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Operation {
  kind: 'triggers' | 'creates' | 'searches';
  key: string;
  definition: JsonObject;
  hidden: boolean;
}

const isObject = (v: unknown): v is JsonObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const asObject = (v: unknown): JsonObject => (isObject(v) ? v : {});
const asArray = (v: unknown): Json[] => (Array.isArray(v) ? v : []);
const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function operations(definition: JsonObject): Operation[] {
  const out: Operation[] = [];
  for (const kind of ['triggers', 'creates', 'searches'] as const) {
    for (const [key, def] of Object.entries(asObject(definition[kind]))) {
      const d = asObject(def);
      out.push({ kind, key, definition: d, hidden: asObject(d.display).hidden === true });
    }
  }
  return out;
}

/** Static input fields; fields computed by a function at run time cannot be checked offline. */
function inputFields(op: Operation): JsonObject[] {
  return asArray(asObject(op.definition.operation).inputFields).filter(isObject);
}

// ---- dates (D023) ----------------------------------------------------------------------------

const ISO_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?))?$/;
/** Strings that are dates in some format: ISO-like, "01 Aug 2023", "8/1/2023", RFC 2822. */
const LOOKS_LIKE_DATE = [
  /^\d{4}-\d{2}-\d{2}/,
  /^\d{1,2} [A-Za-z]{3,9},? \d{4}/,
  /^[A-Za-z]{3,9} \d{1,2},? \d{4}/,
  /^\d{1,2}\/\d{1,2}\/\d{2,4}/,
  /^[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} \d{4}/,
];

export function isIsoDateWithZone(value: string): boolean {
  return ISO_DATE_TIME.test(value);
}

function looksLikeDate(value: string): boolean {
  return LOOKS_LIKE_DATE.some((pattern) => pattern.test(value));
}

// ---- samples and output fields (D024) --------------------------------------------------------

/**
 * A sample flattened the way Zapier names fields: `parent__child` for nested objects,
 * `list[]child` for lists of objects; lists of values and `dict` fields are one field.
 */
export function flattenSample(
  sample: JsonObject,
  leafKeys: ReadonlySet<string> = new Set(),
  prefix = '',
): Map<string, Json> {
  const out = new Map<string, Json>();
  for (const [key, value] of Object.entries(sample)) {
    const name =
      prefix === '' ? key : prefix.endsWith('[]') ? `${prefix}${key}` : `${prefix}__${key}`;
    if (isObject(value) && !leafKeys.has(name) && Object.keys(value).length > 0) {
      for (const [k, v] of flattenSample(value, leafKeys, name)) out.set(k, v);
    } else if (
      Array.isArray(value) &&
      !leafKeys.has(name) &&
      value.length > 0 &&
      value.every(isObject)
    ) {
      for (const item of value) {
        for (const [k, v] of flattenSample(item as JsonObject, leafKeys, `${name}[]`)) {
          if (!out.has(k)) out.set(k, v);
        }
      }
    } else {
      out.set(name, value);
    }
  }
  return out;
}

function matchesType(value: Json, type: string | undefined): boolean {
  switch (type) {
    case undefined:
      return true;
    case 'string':
    case 'text':
    case 'password':
    case 'file':
    case 'copy':
    case 'code':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'datetime':
      // The format of a date is D023's business; an epoch number is reported there too.
      return typeof value === 'string' || typeof value === 'number';
    default:
      return true;
  }
}

function describe(value: Json): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

// ---- text (D008, D011) -----------------------------------------------------------------------

const normalise = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '');

/** URLs that are neither a Markdown link target nor inside backticks (D008). */
export function bareUrls(text: string): string[] {
  const withoutCode = text.replace(/`[^`]*`/g, ' ');
  const withoutLinks = withoutCode.replace(/\[[^\]]*\]\((https?:\/\/[^)\s]+)\)/g, ' ');
  return withoutLinks.match(/https?:\/\/[^\s)>\]]+/g) ?? [];
}

const hasMarkdownLink = (text: string) => /\[[^\]]+\]\(https?:\/\/[^)\s]+\)/.test(text);

// ---- the checks ------------------------------------------------------------------------------

/** Keys a user would paste an id into (D004). */
const ID_KEY = /(^id$|_id$|[a-z]Id$)/;
const ID_LABEL = /\bID\b/;
const SECRET_KEY = /(api[_-]?key|secret|password|access[_-]?token|^token$)/i;

export function runPublishingChecks(definition: unknown, options: CheckOptions = {}): Violation[] {
  const app = asObject(definition);
  const found: Violation[] = [];
  const add = (check: CheckId, where: string, message: string) => {
    if (options.exemptions?.[`${check} ${where}`] === undefined)
      found.push({ check, where, message });
  };
  const ops = operations(app);
  const triggerKeys = new Set(ops.filter((op) => op.kind === 'triggers').map((op) => op.key));

  // Authentication: D002 (help links to credentials), D003 (connection label), D008, D011.
  const auth = asObject(app.authentication);
  if (Object.keys(auth).length > 0) {
    if (auth.type !== 'oauth2' && auth.type !== 'oauth1') {
      asArray(auth.fields)
        .filter(isObject)
        .forEach((field, i) => {
          const where = `authentication.fields.${asString(field.key) ?? i}`;
          const help = asString(field.helpText) ?? '';
          if (!hasMarkdownLink(help)) {
            add(
              'D002',
              where,
              'Auth field help text should link (Markdown) to where the user finds this value.',
            );
          }
          checkText(where, field, add);
        });
    }
    const label = auth.connectionLabel;
    if (
      label === undefined ||
      label === null ||
      (typeof label === 'string' && label.trim() === '')
    ) {
      add(
        'D003',
        'authentication.connectionLabel',
        'Set a connection label so users can tell their connections apart.',
      );
    }
  }

  for (const op of ops) {
    const base = `${op.kind}.${op.key}`;
    const display = asObject(op.definition.display);
    const operation = asObject(op.definition.operation);
    const label = asString(display.label) ?? '';
    const description = asString(display.description);

    // D018: Title Case labels (the operation's and its input fields').
    if (label !== titleCase(label)) {
      add(
        'D018',
        `${base}.display.label`,
        `Label "${label}" should be Title Case: "${titleCase(label)}".`,
      );
    }
    // D021: trigger descriptions.
    if (op.kind === 'triggers' && (!op.hidden || description !== undefined)) {
      if (!description || !description.startsWith('Triggers when ') || !description.endsWith('.')) {
        add(
          'D021',
          `${base}.display.description`,
          'Trigger descriptions start with "Triggers when " and end with ".".',
        );
      }
    }
    if (description) {
      for (const url of bareUrls(description)) {
        add(
          'D008',
          `${base}.display.description`,
          `Bare URL ${url}: make it a Markdown link or put it in backticks.`,
        );
      }
    }

    // Hooks: D006 (performList), D017 (subscribe + unsubscribe).
    if (operation.type === 'hook') {
      if (operation.performList === undefined) {
        add(
          'D006',
          `${base}.operation.performList`,
          "A REST hook trigger needs performList returning real items of the hook's shape.",
        );
      }
      for (const method of ['performSubscribe', 'performUnsubscribe']) {
        if (operation[method] === undefined) {
          add(
            'D017',
            `${base}.operation.${method}`,
            `A REST hook trigger without ${method} is a static hook, which public integrations may not use.`,
          );
        }
      }
    }

    // Input fields: D001, D004, D005, D008, D011, D018.
    for (const field of inputFields(op)) {
      const key = asString(field.key) ?? '?';
      const where = `${base}.operation.inputFields.${key}`;
      const fieldLabel = asString(field.label) ?? '';
      if (SECRET_KEY.test(key)) {
        add('D001', where, 'Ask for API keys and secrets in authentication, not in a step.');
      }
      if (fieldLabel !== '' && fieldLabel !== titleCase(fieldLabel)) {
        add(
          'D018',
          `${where}.label`,
          `Label "${fieldLabel}" should be Title Case: "${titleCase(fieldLabel)}".`,
        );
      }
      const dynamic = asString(field.dynamic);
      if (
        (ID_KEY.test(key) || ID_LABEL.test(fieldLabel)) &&
        !dynamic &&
        field.choices === undefined &&
        field.search === undefined
      ) {
        add(
          'D004',
          where,
          `"${fieldLabel || key}" is an ID: give it a dynamic dropdown instead of asking users to paste one.`,
        );
      }
      if (dynamic) {
        const trigger = dynamic.split('.')[0];
        if (!triggerKeys.has(trigger))
          add('D005', where, `Dynamic dropdown points at missing trigger "${trigger}".`);
      }
      checkText(where, field, add);
    }

    // Samples: D012 (present), D010 (polling id), D023 (dates), D024 (output fields).
    const sample = operation.sample;
    if (!isObject(sample) || Object.keys(sample).length === 0) {
      if (!op.hidden) add('D012', `${base}.operation.sample`, 'A static sample is required.');
      continue;
    }
    const isPolling = op.kind === 'triggers' && operation.type !== 'hook';
    if (isPolling && (sample.id === undefined || sample.id === null)) {
      add(
        'D010',
        `${base}.operation.sample.id`,
        'A polling trigger\'s sample needs an "id" (the deduper keys on it).',
      );
    }
    const outputFields = asArray(operation.outputFields).filter(isObject);
    const leafKeys = new Set(
      outputFields.filter((f) => f.list === true || f.dict === true).map((f) => String(f.key)),
    );
    const flat = flattenSample(sample, leafKeys);
    const typed = new Map(outputFields.map((f) => [String(f.key), f]));
    for (const [key, value] of flat) {
      const where = `${base}.operation.sample.${key}`;
      const type = asString(typed.get(key)?.type);
      if (
        typeof value === 'string' &&
        (type === 'datetime' || looksLikeDate(value)) &&
        !isIsoDateWithZone(value)
      ) {
        add(
          'D023',
          where,
          `${describe(value)} is not ISO 8601 with a time zone (e.g. 2026-03-02T09:00:00Z).`,
        );
      }
      if (type === 'datetime' && typeof value === 'number') {
        add('D023', where, `${value} looks like an epoch time: use ISO 8601 with a time zone.`);
      }
    }
    if (outputFields.length > 0) {
      for (const field of outputFields) {
        const key = String(field.key);
        const where = `${base}.operation.outputFields.${key}`;
        if (!flat.has(key)) {
          add(
            'D024',
            where,
            `Output field "${key}" is not in the sample: sample keys and output fields must be the same set.`,
          );
          continue;
        }
        const value = flat.get(key) as Json;
        if (value === null) {
          if (field.required === true)
            add('D024', where, `Required output field "${key}" is null in the sample.`);
          continue;
        }
        const type = asString(field.type);
        if (field.list === true) {
          if (!Array.isArray(value) || !value.every((item) => matchesType(item, type))) {
            add(
              'D024',
              where,
              `Sample value ${describe(value)} is not a list of ${type ?? 'values'}.`,
            );
          }
        } else if (field.dict === true) {
          if (!isObject(value))
            add('D024', where, `Sample value ${describe(value)} is not an object.`);
        } else if (!matchesType(value, type)) {
          add('D024', where, `Sample value ${describe(value)} does not match type "${type}".`);
        }
      }
      for (const key of flat.keys()) {
        if (!typed.has(key)) {
          add(
            'D024',
            `${base}.operation.sample.${key}`,
            `Sample key "${key}" has no output field: sample keys and output fields must be the same set.`,
          );
        }
      }
    }
  }
  return found;
}

function checkText(
  where: string,
  field: JsonObject,
  add: (check: CheckId, where: string, message: string) => void,
): void {
  const label = asString(field.label) ?? '';
  const help = asString(field.helpText);
  if (help === undefined) return;
  if (
    normalise(help) === normalise(label) ||
    normalise(help) === normalise(asString(field.key) ?? '')
  ) {
    add(
      'D011',
      `${where}.helpText`,
      'Help text only repeats the label: say something the label does not, or leave it out.',
    );
  }
  for (const url of bareUrls(help)) {
    add(
      'D008',
      `${where}.helpText`,
      `Bare URL ${url}: make it a Markdown link or put it in backticks.`,
    );
  }
}

export function formatViolations(violations: Violation[]): string {
  return violations.map((v) => `${v.check}  ${v.where}\n      ${v.message}`).join('\n');
}
