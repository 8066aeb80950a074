import { readFileSync } from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * A 3CX CRM template (docs/3cx-facts.md §4.2) read with fast-xml-parser into the parts the runner and
 * the template's static check need. Attribute values come entity-decoded (`&amp;` → `&`,
 * `&quot;` → `"`), as 3CX's XML reader sees them.
 */
export interface CrmTemplate {
  name: string;
  version: string;
  country: string;
  /** The `<Crm>` children in document order (3CX expects Number, Connection, Parameters, Authentication, Scenarios). */
  childOrder: string[];
  number: { prefix: string; maxLength: string };
  maxConcurrentRequests: string;
  parameters: TemplateParameter[];
  authentication: { type: string; value: string };
  scenarios: TemplateScenario[];
}

export interface TemplateParameter {
  name: string;
  type: string;
  title: string;
  default: string | undefined;
  parent: string | undefined;
  editor: string | undefined;
}

export interface TemplateScenario {
  id: string;
  type: string;
  request: TemplateRequest;
  rules: Array<{ type: string; path: string; ethalon: string | undefined }>;
  variables: Array<{ name: string; path: string; filter: string }>;
  outputs: {
    allowEmpty: boolean;
    next: string | undefined;
    items: Array<{ type: string; passes: number; value: string }>;
  };
}

export interface TemplateRequest {
  skipIf: string | undefined;
  url: string;
  requestType: string;
  requestEncoding: string;
  requestContentType: string | undefined;
  responseType: string;
  message: string | undefined;
  headers: TemplateValueElement[];
  postValues: TemplateValueElement[];
}

/** A `<Value Key Passes Type If SkipIf>text</Value>` of `<Headers>` or `<PostValues>`. */
export interface TemplateValueElement {
  key: string;
  type: string;
  passes: number;
  text: string;
  if: string | undefined;
  skipIf: string | undefined;
}

type Node = Record<string, unknown>;

const LISTS = new Set(['Parameter', 'Scenario', 'Value', 'Variable', 'Output', 'Rule']);

export function readCrmTemplateFile(path: string): CrmTemplate {
  return parseCrmTemplate(readFileSync(path, 'utf8'));
}

export function parseCrmTemplate(xml: string): CrmTemplate {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw new Error(`not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  }
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
    processEntities: true,
    isArray: (name) => LISTS.has(name),
  }).parse(xml) as Node;
  const crm = doc.Crm as Node | undefined;
  if (!crm) throw new Error('the root element is not <Crm>');
  const ordered = new XMLParser({ preserveOrder: true, ignoreAttributes: true }).parse(
    xml,
  ) as Array<Record<string, unknown>>;
  const crmNode = ordered.find((n) => 'Crm' in n);
  const childOrder = ((crmNode?.Crm as Array<Record<string, unknown>>) ?? [])
    .map((n) => Object.keys(n)[0])
    .filter((k) => k !== '#text');

  const numberEl = child(crm, 'Number');
  const auth = child(crm, 'Authentication');
  return {
    name: attr(crm, 'Name') ?? '',
    version: attr(crm, 'Version') ?? '',
    country: attr(crm, 'Country') ?? '',
    childOrder,
    number: {
      prefix: attr(numberEl, 'Prefix') ?? '',
      maxLength: attr(numberEl, 'MaxLength') ?? '',
    },
    maxConcurrentRequests: attr(child(crm, 'Connection'), 'MaxConcurrentRequests') ?? '',
    parameters: list(child(crm, 'Parameters'), 'Parameter').map((p) => ({
      name: attr(p, 'Name') ?? '',
      type: attr(p, 'Type') ?? '',
      title: attr(p, 'Title') ?? '',
      default: attr(p, 'Default'),
      parent: attr(p, 'Parent'),
      editor: attr(p, 'Editor'),
    })),
    authentication: { type: attr(auth, 'Type') ?? 'No', value: text(child(auth, 'Value')) },
    scenarios: list(child(crm, 'Scenarios'), 'Scenario').map(readScenario),
  };
}

function readScenario(s: Node): TemplateScenario {
  const r = child(s, 'Request');
  const outputs = child(s, 'Outputs');
  return {
    id: attr(s, 'Id') ?? '',
    type: attr(s, 'Type') ?? '',
    request: {
      skipIf: attr(r, 'SkipIf'),
      url: attr(r, 'Url') ?? '',
      requestType: attr(r, 'RequestType') ?? '',
      requestEncoding: attr(r, 'RequestEncoding') ?? '',
      requestContentType: attr(r, 'RequestContentType'),
      responseType: attr(r, 'ResponseType') ?? '',
      message: attr(r, 'Message'),
      headers: list(child(r, 'Headers'), 'Value').map(readValue),
      postValues: list(child(r, 'PostValues'), 'Value').map(readValue),
    },
    rules: list(child(s, 'Rules'), 'Rule').map((rule) => ({
      type: attr(rule, 'Type') ?? '',
      path: text(rule).trim(),
      ethalon: attr(rule, 'Ethalon'),
    })),
    variables: list(child(s, 'Variables'), 'Variable').map((v) => ({
      name: attr(v, 'Name') ?? '',
      path: attr(v, 'Path') ?? '',
      filter: text(child(v, 'Filter')).trim(),
    })),
    outputs: {
      allowEmpty: (attr(outputs, 'AllowEmpty') ?? 'false').toLowerCase() === 'true',
      next: attr(outputs, 'Next') || undefined,
      items: list(outputs, 'Output').map((o) => ({
        type: attr(o, 'Type') ?? '',
        passes: Number(attr(o, 'Passes') ?? '1'),
        value: attr(o, 'Value') ?? '',
      })),
    },
  };
}

function readValue(v: Node): TemplateValueElement {
  return {
    key: attr(v, 'Key') ?? '',
    type: attr(v, 'Type') ?? 'String',
    passes: Number(attr(v, 'Passes') ?? '1'),
    text: text(v),
    if: attr(v, 'If') || undefined,
    skipIf: attr(v, 'SkipIf') || undefined,
  };
}

function child(node: Node | undefined, name: string): Node | undefined {
  const value = node?.[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string') return { '#text': value };
  return value as Node;
}

function list(node: Node | undefined, name: string): Node[] {
  const value = node?.[name];
  if (value === undefined) return [];
  return (value as unknown[]).map((v) => (typeof v === 'string' ? { '#text': v } : (v as Node)));
}

function attr(node: Node | undefined, name: string): string | undefined {
  const value = node?.[`@_${name}`];
  return value === undefined ? undefined : String(value);
}

function text(node: Node | undefined): string {
  const value = node?.['#text'];
  return value === undefined ? '' : String(value);
}
