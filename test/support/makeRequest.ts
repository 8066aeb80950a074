import { evaluateIml, withoutEmpty, type ImlContext } from './iml';

/**
 * Runs one request of the Make app the way Make's engine does for a custom app
 * (docs/zapier-facts.md §10, "Communication"): the base's `baseUrl`, headers and error handling
 * merged in (modules, RPCs, attach and detach inherit the base; a connection does not), the IML
 * evaluated, the request sent, then the response directives: `error` for a failed status,
 * `data` (attach), `metadata` (connection), `iterate` / `output` / `limit` / `trigger`, and
 * `pagination` (its `qs` merged into the request, `condition` and values evaluated with the
 * previous response's `body`).
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- IML definitions are plain JSON */
export type Spec = Record<string, any>;

export class MakeModuleError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
  }
}

export interface RequestResult {
  /** Every request sent (method and URL), in order. */
  sent: Array<{ method: string; url: string; body?: unknown }>;
  /** Output items (`iterate`), or the single output. */
  items: unknown[];
  output?: unknown;
  data?: unknown;
  metadata?: unknown;
  /** `response.trigger.id` / `.date` of each item (polling triggers). */
  triggers: Array<{ id: unknown; date: unknown }>;
  statusCode: number;
}

export async function runMakeRequest(
  spec: Spec,
  context: ImlContext,
  base?: Spec,
): Promise<RequestResult> {
  const result: RequestResult = { sent: [], items: [], triggers: [], statusCode: 0 };
  const limitTemplate = spec.response?.limit;
  let request = { url: spec.url, method: spec.method ?? 'GET', qs: spec.qs, body: spec.body };
  for (let page = 0; page < 50; page++) {
    const url = new URL(
      String(
        evaluateIml(
          String(request.url).startsWith('/') && base
            ? `${base.baseUrl}${request.url}`
            : request.url,
          context,
        ),
      ),
    );
    const qs = withoutEmpty(evaluateIml(request.qs ?? {}, context)) as Record<string, unknown>;
    for (const [key, value] of Object.entries(qs)) url.searchParams.set(key, String(value));
    const headers = evaluateIml({ ...base?.headers, ...spec.headers }, context) as Record<
      string,
      string
    >;
    const body =
      request.body === undefined ? undefined : withoutEmpty(evaluateIml(request.body, context));
    const method = String(evaluateIml(request.method, context));
    result.sent.push({ method, url: url.toString(), ...(body === undefined ? {} : { body }) });
    const response = await fetch(url, {
      method,
      headers: {
        ...headers,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      // not JSON: `body` is the text
    }
    result.statusCode = response.status;
    const scope = { ...context, body: parsed, statusCode: response.status };
    if (response.status >= 400) throw errorFor(spec, base, scope, response.status);

    const directives = spec.response ?? {};
    if (directives.data) result.data = evaluateIml(directives.data, scope);
    if (directives.metadata) result.metadata = evaluateIml(directives.metadata, scope);
    if (directives.iterate) {
      const list = evaluateIml(directives.iterate, scope);
      if (!Array.isArray(list))
        throw new Error(`iterate did not give a list: ${JSON.stringify(list)}`);
      for (const item of list) {
        const itemScope = { ...scope, item };
        result.items.push(evaluateIml(directives.output ?? '{{item}}', itemScope));
        if (directives.trigger)
          result.triggers.push({
            id: evaluateIml(directives.trigger.id, itemScope),
            date: evaluateIml(directives.trigger.date, itemScope),
          });
      }
    } else if (response.status !== 204) {
      result.output = evaluateIml(directives.output ?? '{{body}}', scope);
      result.items.push(result.output);
    }
    const limit =
      limitTemplate === undefined ? Infinity : Number(evaluateIml(limitTemplate, context));
    if (result.items.length >= limit) {
      result.items = result.items.slice(0, limit);
      break;
    }
    const pagination = spec.pagination;
    if (!pagination || !evaluateIml(pagination.condition ?? true, scope)) break;
    const merge = pagination.mergeWithParent ?? true;
    // The next request's values are evaluated with this response's body.
    const nextQs = evaluateIml(pagination.qs ?? {}, scope) as Record<string, unknown>;
    request = {
      url: pagination.url ?? request.url,
      method: pagination.method ?? request.method,
      qs: merge ? { ...request.qs, ...nextQs } : nextQs,
      body: pagination.body ?? (merge ? request.body : undefined),
    };
  }
  return result;
}

function errorFor(spec: Spec, base: Spec | undefined, scope: ImlContext, status: number) {
  const error = { ...base?.response?.error, ...spec.response?.error };
  const specific = error[String(status)] ?? {};
  const message = evaluateIml(specific.message ?? error.message ?? `HTTP ${status}`, scope);
  return new MakeModuleError(
    String(specific.type ?? error.type ?? 'RuntimeError'),
    String(message),
    status,
  );
}
