import type { CallEvent } from '../../lib/callEvent';
import type { EventFilters } from '../../lib/eventFilters';
import type { TestBridge } from './testBridge';

/** One answer of the bridge's HTTP API: status, the parsed JSON body (or the text), headers. */
export interface ApiAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
  headers: Headers;
}

/** Call the bridge's API with a location's key (JSON in, JSON out). */
export async function api(
  base: string,
  key: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/** Subscribe a target URL to an event through the API, as Zapier does (with a trigger's options). */
export async function subscribe(
  t: TestBridge,
  targetUrl: string,
  event: CallEvent['event'],
  key = t.apiKey,
  filters?: EventFilters,
): Promise<string> {
  const answer = await api(t.url, key, 'POST', '/v1/hooks', {
    target_url: targetUrl,
    event,
    filters,
  });
  if (answer.status !== 201) throw new Error(`subscribe failed: ${answer.status} ${answer.text}`);
  return answer.body.id as string;
}

/** Every event in the location's feed (newest first), following the cursor. */
export async function allEvents(t: TestBridge, key = t.apiKey): Promise<CallEvent[]> {
  const events: CallEvent[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
    const page = await api(t.url, key, 'GET', `/v1/events?limit=100${query}`);
    if (page.status !== 200) throw new Error(`feed failed: ${page.status} ${page.text}`);
    events.push(...(page.body.data as CallEvent[]));
    cursor = page.body.next_cursor as string | null;
  } while (cursor);
  return events;
}

/** Event ids grouped: how often each id occurs (a duplicate shows as a count above 1). */
export function countIds(ids: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}
