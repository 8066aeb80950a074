import { join } from 'node:path';
import { parseCrmTemplate, readCrmTemplateFile, type CrmTemplate } from './template/crmTemplate';
import type { TemplateScenario, TemplateValueElement } from './template/crmTemplate';
import {
  TemplateError,
  evaluate,
  evaluateCondition,
  type Scope,
} from './template/templateExpression';
import { shapeNumber } from './template/templateNumber';
import type { TemplateValue } from './template/templateValue';

/**
 * Runs a 3CX CRM template the way 3CX does (docs/3cx-facts.md §4), against real HTTP: parameters as an
 * admin filled them in, the `<Number>` element applied to `[Number]`, `SkipIf`, requests built
 * from `Url`, `<Headers>`, `<PostValues>` (`RequestEncoding` Json or UrlEncoded, `RequestType`
 * Get or Post), the JSON answer tested with `<Rules>`, read with `<Variables>` and turned into
 * `<Outputs>`, chained by `Next`; at most `MaxConcurrentRequests` requests at a time.
 *
 * Where 3CX's behaviour is not documented, the runner follows the evidence in docs/3cx-facts.md and
 * says so. Anything it does not model (an unknown method, a `Message` body, an `<Object>` post
 * value) is an error, never a silent guess.
 */
export const TEMPLATE_PATH = join(__dirname, '..', '..', '3cx-template.xml');

export interface ScenarioRun {
  scenarioId: string;
  /** `SkipIf` was true: no request was sent. */
  skipped: boolean;
  request: SentRequest | null;
  response: { status: number; body: unknown } | null;
  /** A 2xx JSON answer that passed every `<Rule>`. */
  matched: boolean;
  variables: Record<string, string>;
  /** `<Output Type>` → value, empty ones dropped unless `AllowEmpty="true"`. */
  outputs: Record<string, string>;
}

export interface SentRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body: string | null;
  /** The JSON body as an object (Json encoding) or the form fields (UrlEncoded). */
  fields: Record<string, unknown> | null;
}

export interface RunnerOptions {
  /** Parameter values as the admin entered them; others take their `Default`. */
  parameters?: Record<string, string>;
  fetch?: typeof fetch;
}

export class TemplateRunner {
  private readonly parameters: Map<string, string>;
  private readonly fetch: typeof fetch;
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  /** The most requests this runner ever had in flight at once. */
  maxInFlight = 0;

  constructor(
    readonly template: CrmTemplate,
    options: RunnerOptions = {},
  ) {
    this.fetch = options.fetch ?? fetch;
    this.parameters = new Map();
    for (const p of template.parameters) this.parameters.set(p.name, p.default ?? '');
    for (const [name, value] of Object.entries(options.parameters ?? {})) {
      if (!this.parameters.has(name))
        throw new TemplateError(`the template has no parameter ${name}`);
      this.parameters.set(name, value);
    }
  }

  static fromFile(path = TEMPLATE_PATH, options: RunnerOptions = {}): TemplateRunner {
    return new TemplateRunner(readCrmTemplateFile(path), options);
  }

  static fromXml(xml: string, options: RunnerOptions = {}): TemplateRunner {
    return new TemplateRunner(parseCrmTemplate(xml), options);
  }

  /** `[Number]` as the scenarios see it, after the `<Number>` element. */
  shapeNumber(raw: string): string {
    const maxLength = evaluate(this.template.number.maxLength, this.scope({}));
    return shapeNumber(raw, this.template.number.prefix, maxLength);
  }

  /**
   * Run a scenario and the ones its `Outputs Next` chains to. `variables` are 3CX's own for
   * the occasion (`Number`, `CallType`, `CallStartTimeUTC`, …), as typed values.
   */
  async run(scenarioId: string, variables: Record<string, TemplateValue>): Promise<ScenarioRun[]> {
    const runs: ScenarioRun[] = [];
    const given = { ...variables };
    if (typeof given.Number === 'string') given.Number = this.shapeNumber(given.Number);
    let next: string | undefined = scenarioId;
    let carried: Record<string, string> = {};
    while (next !== undefined) {
      if (runs.length > 20) throw new TemplateError('scenario chain does not end');
      const scenario = this.scenario(next);
      const run = await this.runScenario(scenario, { ...given, ...carried });
      runs.push(run);
      carried = { ...carried, ...run.variables };
      next = scenario.outputs.next;
    }
    return runs;
  }

  /** The contact lookup (scenario `Id=""`) for a caller number as 3CX has it. */
  async lookup(
    number: string,
  ): Promise<{ run: ScenarioRun; contact: Record<string, string> | null }> {
    const [run] = await this.run('', { Number: number });
    return { run, contact: acceptedContact(run, this.shapeNumber(number)) };
  }

  private scenario(id: string): TemplateScenario {
    const found = this.template.scenarios.find((s) => s.id === id);
    if (!found) throw new TemplateError(`the template has no scenario "${id}"`);
    return found;
  }

  private scope(variables: Record<string, TemplateValue>): Scope {
    const scope = new Map<string, TemplateValue>(this.parameters);
    for (const [k, v] of Object.entries(variables)) scope.set(k, v);
    return scope;
  }

  private async runScenario(
    scenario: TemplateScenario,
    variables: Record<string, TemplateValue>,
  ): Promise<ScenarioRun> {
    const scope = this.scope(variables);
    const empty: ScenarioRun = {
      scenarioId: scenario.id,
      skipped: true,
      request: null,
      response: null,
      matched: false,
      variables: {},
      outputs: {},
    };
    if (evaluateCondition(scenario.request.skipIf, scope)) return empty;
    const request = this.buildRequest(scenario, scope);
    const response = await this.send(request, scenario.request.responseType);
    const ok = response.status >= 200 && response.status < 300;
    const matched = ok && scenario.rules.every((rule) => rulePasses(rule, response.body));
    const read: Record<string, string> = {};
    if (matched) {
      for (const v of scenario.variables) {
        if (v.filter !== '') throw new TemplateError('<Filter> is not modelled by the runner');
        read[v.name] = jsonText(jsonPath(response.body, v.path));
      }
    }
    const outputs: Record<string, string> = {};
    if (matched || scenario.rules.length === 0) {
      const withRead = new Map(scope);
      for (const [k, v] of Object.entries(read)) withRead.set(k, v);
      for (const o of scenario.outputs.items) {
        const value = evaluate(o.value, withRead, o.passes);
        if (value !== '' || scenario.outputs.allowEmpty) outputs[o.type] = value;
      }
    }
    return { ...empty, skipped: false, request, response, matched, variables: read, outputs };
  }

  private buildRequest(scenario: TemplateScenario, scope: Scope): SentRequest {
    const r = scenario.request;
    if (r.message) throw new TemplateError('a Message body is not modelled by the runner');
    const method = r.requestType === 'Get' ? 'GET' : r.requestType === 'Post' ? 'POST' : null;
    if (!method) throw new TemplateError(`RequestType "${r.requestType}" is not Get or Post`);
    if (r.requestEncoding !== 'Json' && r.requestEncoding !== 'UrlEncoded') {
      throw new TemplateError(`RequestEncoding "${r.requestEncoding}" is not Json or UrlEncoded`);
    }
    // Values go into the URL as text, not URL-encoded [3p: integrators pre-encode `+` with
    // `[[Number].Replace("+","%2B")]`], so an E.164 `+` reaches the server as a space.
    const url = evaluate(r.url, scope);
    const headers: Record<string, string> = {};
    const auth = this.template.authentication;
    if (auth.type === 'Basic') {
      headers.Authorization = `Basic ${Buffer.from(evaluate(auth.value, scope)).toString('base64')}`;
    } else if (auth.type !== 'No') {
      throw new TemplateError(`Authentication Type "${auth.type}" is not modelled by the runner`);
    }
    for (const h of included(r.headers, scope)) headers[h.key] = evaluate(h.text, scope, h.passes);

    let body: string | null = null;
    let fields: Record<string, unknown> | null = null;
    const values = included(r.postValues, scope);
    if (method === 'POST') {
      fields = {};
      for (const v of values) fields[v.key] = typedValue(v, evaluate(v.text, scope, v.passes));
      if (r.requestEncoding === 'Json') {
        body = JSON.stringify(fields);
        headers['Content-Type'] ??= r.requestContentType || 'application/json';
      } else {
        body = new URLSearchParams(
          Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)]),
        ).toString();
        headers['Content-Type'] ??= r.requestContentType || 'application/x-www-form-urlencoded';
      }
    } else if (values.length > 0) {
      throw new TemplateError('PostValues on a Get request are not modelled by the runner');
    }
    return { method, url, headers, body, fields };
  }

  private async send(
    request: SentRequest,
    responseType: string,
  ): Promise<{ status: number; body: unknown }> {
    if (responseType !== 'Json')
      throw new TemplateError(`ResponseType "${responseType}" is not Json`);
    await this.acquire();
    try {
      const res = await this.fetch(new URL(request.url), {
        method: request.method,
        headers: request.headers,
        body: request.body ?? undefined,
      });
      const text = await res.text();
      let body: unknown = null;
      try {
        body = text === '' ? null : JSON.parse(text);
      } catch {
        body = text;
      }
      return { status: res.status, body };
    } finally {
      this.release();
    }
  }

  /** `<Connection MaxConcurrentRequests>`: 3CX never has more requests in flight. */
  private async acquire(): Promise<void> {
    const limit = Number(this.template.maxConcurrentRequests) || 1;
    while (this.active >= limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    this.maxInFlight = Math.max(this.maxInFlight, this.active);
  }

  private release(): void {
    this.active--;
    this.waiting.shift()?.();
  }
}

/**
 * The contact 3CX would show, or null. 3CX keeps a lookup answer only with a `ContactUrl`, a
 * first, last or company name, and a phone output containing the searched number [3p:
 * integrators' notes on 3CX's template rules]; the runner applies the same test.
 */
export function acceptedContact(
  run: ScenarioRun,
  searchedNumber: string,
): Record<string, string> | null {
  if (!run.matched) return null;
  const o = run.outputs;
  if (!o.ContactUrl) return null;
  if (!o.FirstName && !o.LastName && !o.CompanyName) return null;
  const digits = (s: string) => s.replace(/\D/g, '');
  const wanted = digits(searchedNumber);
  const phones = Object.entries(o).filter(([type]) => /^(Phone|Mobile)/.test(type));
  if (wanted === '' || !phones.some(([, v]) => digits(v) !== '' && digits(v).includes(wanted)))
    return null;
  return o;
}

function included(values: TemplateValueElement[], scope: Scope): TemplateValueElement[] {
  return values.filter(
    (v) =>
      !evaluateCondition(v.skipIf, scope) && (v.if === undefined || evaluateCondition(v.if, scope)),
  );
}

function typedValue(v: TemplateValueElement, text: string): unknown {
  switch (v.type) {
    case 'String':
      return text;
    case 'Integer':
      return Number.parseInt(text, 10);
    case 'Boolean':
      return text.toLowerCase() === 'true';
    default:
      throw new TemplateError(`post value Type "${v.type}" is not modelled by the runner`);
  }
}

/** `<Rule Type="Any">path</Rule>`: the path has a value; `Type="Equals" Ethalon="x"`: it is x. */
function rulePasses(
  rule: { type: string; path: string; ethalon: string | undefined },
  body: unknown,
): boolean {
  const value = jsonText(jsonPath(body, rule.path));
  if (rule.type === 'Any') return value !== '';
  if (rule.type === 'Equals') return value === (rule.ethalon ?? '');
  throw new TemplateError(`Rule Type "${rule.type}" is not modelled by the runner`);
}

/** `contact.phone`, `mailAddresses[0]`, `users.0.id` (docs/3cx-facts.md §4.2 [obs tkd]). */
export function jsonPath(body: unknown, path: string): unknown {
  let current: unknown = body;
  for (const part of path.split('.').flatMap((p) => p.split(/\[(\d+)\]/).filter((s) => s !== ''))) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** A JSON value as 3CX reads it: text; booleans as `True`/`False` [3p]; nothing as empty. */
function jsonText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
