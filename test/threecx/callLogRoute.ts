import type { CallLeg } from '../../lib/threecx/callLeg';
import type { HttpResponse } from '../../lib/threecx/httpTransport';
import { json } from './fakeTransport';

/** Function parameters of a decoded `…/Pbx.Name(a=1,b='x')` path. */
export function functionParameters(url: URL): Map<string, string> {
  const decoded = decodeURIComponent(url.pathname);
  const match = /\(([^)]*)\)$/.exec(decoded);
  const parameters = new Map<string, string>();
  if (!match) return parameters;
  for (const part of match[1].split(',')) {
    const eq = part.indexOf('=');
    parameters.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return parameters;
}

/** Legs one per `stepSeconds` from `start`, like a busy PBX's call log. */
export function legsEvery(start: number, count: number, stepSeconds: number): CallLeg[] {
  return Array.from({ length: count }, (_, i) => ({
    CdrId: `cdr-${i}`,
    CallHistoryId: `call-${Math.floor(i / 3)}`,
    CallId: Math.floor(i / 3),
    StartTime: new Date(start + i * stepSeconds * 1000).toISOString(),
    Answered: i % 2 === 0,
  }));
}

export interface CallLogRouteOptions {
  /** Answer 504 for a period longer than this (docs/3cx-facts.md §1.3). */
  maxPeriodMs?: number;
  /** Ignore `$skip` (a broken server). */
  ignoreSkip?: boolean;
  /** Return at most this many rows of a period, however it is paged (the claimed cap, §1.3). */
  rowCap?: number;
  /** `@odata.count` when `$count=true`: the true total, the capped total, or left out. */
  count?: 'total' | 'capped' | 'none';
  /** Apply `$select` (a PBX that ignores it sends whole rows). */
  select?: boolean;
  /** At most this many rows per page whatever `$top` asks (docs/3cx-facts.md §1.3 [3p cloudon]). */
  pageCap?: number;
}

/** `GetCallLogData` over a fixed set of legs: period filter, `$top`/`$skip` paging. */
export function callLogRoute(legs: CallLeg[], options: CallLogRouteOptions = {}) {
  return (url: URL): HttpResponse => {
    const parameters = functionParameters(url);
    const from = Date.parse(parameters.get('periodFrom') ?? '');
    const to = Date.parse(parameters.get('periodTo') ?? '');
    if (parameters.size !== 11) return json(404, { error: { code: '', message: 'Not found' } });
    if (Number.isNaN(from) || Number.isNaN(to))
      return json(500, { error: { message: 'bad date' } });
    if (options.maxPeriodMs !== undefined && to - from > options.maxPeriodMs) {
      return { status: 504, headers: { 'content-type': 'text/html' }, body: '<html>504</html>' };
    }
    const top = Number(url.searchParams.get('$top') ?? 100);
    const select = options.select ? url.searchParams.get('$select') : null;
    const skip = options.ignoreSkip ? 0 : Number(url.searchParams.get('$skip') ?? 0);
    const inPeriod = legs.filter((leg) => {
      const t = Date.parse(leg.StartTime);
      return t >= from && t <= to;
    });
    const served = inPeriod.slice(0, options.rowCap ?? inPeriod.length);
    const counted =
      url.searchParams.get('$count') === 'true' && (options.count ?? 'none') !== 'none';
    return json(200, {
      '@odata.context': 'https://pbx/xapi/v1/$metadata#Collection(Pbx.CallLogData)',
      ...(counted
        ? { '@odata.count': options.count === 'total' ? inPeriod.length : served.length }
        : {}),
      value: served
        .slice(skip, skip + Math.min(top, options.pageCap ?? top))
        .map((leg) => (select === null ? leg : pick(leg, select))),
    });
  };
}

function pick(leg: CallLeg, select: string): Partial<CallLeg> {
  const row: Record<string, unknown> = {};
  for (const name of select.split(',')) {
    const value = (leg as unknown as Record<string, unknown>)[name];
    if (value !== undefined) row[name] = value;
  }
  return row;
}
