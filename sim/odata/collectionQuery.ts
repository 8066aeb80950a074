import { compareValues, type Row } from './rowValues';
import { parseODataDateTime } from './functionCall';
import { badQuery } from './odataError';

/**
 * The OData system query options on a collection (docs/3cx-facts.md §1.1) that clients of
 * 3CX send: `$search`, `$orderby`, `$count`, `$skip`, `$top`, `$select`, applied in OData's
 * order. A real PBX also takes `$filter`; nothing the bridge or a test sends uses it, so the
 * simulator answers it with a 400 that says so instead of carrying a parser no request needs. The answer is
 * `{"@odata.context", "@odata.count"?, "value": [...]}` (docs/xapi-schemas.md §2.11, no nextLink).
 * Sorting is stable: rows that tie keep the service's natural order, so `$top`/`$skip` pages
 * never overlap or skip rows while the data stands still.
 */
const SYSTEM_OPTIONS = new Set([
  '$filter',
  '$search',
  '$orderby',
  '$count',
  '$skip',
  '$top',
  '$select',
  '$expand',
]);

export interface CollectionAnswer {
  '@odata.context': string;
  '@odata.count'?: number;
  value: Row[];
}

/**
 * How a PBX departs from plain OData on report pages (docs/3cx-facts.md §1.3): one caps every
 * page at 100 rows whatever `$top` asks [3p cloudon]; one that ignores `$select` and sends
 * whole rows is our own what-if [inf], for clients that must cope with both.
 */
export interface PageQuirks {
  /** At most this many rows per answer, whatever `$top` says. */
  maxPageRows?: number;
  /** `$select` is not applied: rows come whole. */
  ignoresSelect?: boolean;
}

/**
 * `naturalOrder`: the property the rows already come in ascending order of (ties in their
 * natural order), so `$orderby=<it> asc` is the rows as they are: a stable sort would not move
 * one. The call log is kept in start order; sorting its window again on every page was most of
 * what a report request cost (issue 16).
 */
export function answerCollection(
  rows: readonly Row[],
  query: URLSearchParams,
  context: string,
  properties: readonly string[],
  quirks: PageQuirks = {},
  naturalOrder?: string,
  /** The row objects are never changed once served (report rows): selections are kept. */
  fixedRows = false,
): CollectionAnswer {
  checkOptionNames(query);
  const known = new Set(properties);
  let result = rows.slice();

  if (query.get('$filter') !== null)
    throw badQuery('$filter is not simulated: no client of this project sends it', '$filter');
  const search = query.get('$search');
  if (search !== null && search.trim() !== '') {
    const needle = search
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    result = result.filter((row) =>
      Object.values(row).some((v) => typeof v === 'string' && v.toLowerCase().includes(needle)),
    );
  }
  const orderby = query.get('$orderby');
  if (orderby !== null && !inNaturalOrder(orderby, naturalOrder, known))
    result = sortRows(result, orderby, known);

  const count = booleanOption(query, '$count');
  const total = result.length;
  const skip = integerOption(query, '$skip');
  const top = integerOption(query, '$top');
  if (skip !== null) result = result.slice(skip);
  if (top !== null) result = result.slice(0, top);
  if (quirks.maxPageRows !== undefined) result = result.slice(0, quirks.maxPageRows);

  const select = quirks.ignoresSelect ? null : query.get('$select');
  if (select !== null) {
    const pick = selectProperties(select, known);
    result = result.map(fixedRows ? selectedOnce(select, pick) : pick);
  }
  if (query.get('$expand') !== null) {
    throw badQuery(
      `Could not find a navigation property named '${query.get('$expand')}'`,
      '$expand',
    );
  }

  return {
    '@odata.context': context,
    ...(count ? { '@odata.count': total } : {}),
    value: result,
  };
}

/** `$select` on a single entity (singletons accept `$select` and `$expand` only). */
export function answerEntity(
  entity: Row,
  query: URLSearchParams,
  context: string,
  properties: readonly string[],
): Row {
  checkOptionNames(query);
  const select = query.get('$select');
  const body = select === null ? entity : selectProperties(select, new Set(properties))(entity);
  return { '@odata.context': context, ...body };
}

function checkOptionNames(query: URLSearchParams): void {
  for (const key of query.keys()) {
    if (key.startsWith('$') && !SYSTEM_OPTIONS.has(key)) {
      throw badQuery(`The query parameter '${key}' is not supported`, key);
    }
  }
}

/** True when `orderby` asks for the order the rows are already in (one known key, ascending). */
function inNaturalOrder(
  orderby: string,
  naturalOrder: string | undefined,
  known: ReadonlySet<string>,
): boolean {
  if (naturalOrder === undefined || !known.has(naturalOrder)) return false;
  const m = /^\s*([A-Za-z0-9_]+)(?:\s+(asc|desc))?\s*$/i.exec(orderby);
  return m !== null && m[1] === naturalOrder && (m[2] ?? 'asc').toLowerCase() === 'asc';
}

function sortRows(rows: Row[], orderby: string, known: ReadonlySet<string>): Row[] {
  const keys = orderby.split(',').map((part) => {
    const m = /^\s*([A-Za-z0-9_]+)(?:\s+(asc|desc))?\s*$/i.exec(part);
    if (!m) throw badQuery(`Syntax error in '${part.trim()}'`, '$orderby');
    if (!known.has(m[1])) throw badQuery(`Could not find a property named '${m[1]}'`, '$orderby');
    return { prop: m[1], sign: (m[2] ?? 'asc').toLowerCase() === 'desc' ? -1 : 1 };
  });
  // Decorate once (date-times parsed a single time per row), then a stable sort: ties keep
  // the natural order.
  const decorated = rows.map((row, index) => ({
    row,
    index,
    keys: keys.map((k) => sortKey(row[k.prop])),
  }));
  decorated.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const c = compareValues(a.keys[i], b.keys[i]);
      if (c !== 0 && !Number.isNaN(c)) return c * keys[i].sign;
    }
    return a.index - b.index;
  });
  return decorated.map((d) => d.row);
}

/** Date-time strings become epoch ms so they order by instant, not by text. */
function sortKey(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const ms = parseODataDateTime(value);
  return Number.isNaN(ms) ? value : ms;
}

function integerOption(query: URLSearchParams, name: string): number | null {
  const text = query.get(name);
  if (text === null) return null;
  if (!/^\d+$/.test(text.trim())) throw badQuery(`Invalid value '${text}' for ${name}`, name);
  return Number(text.trim());
}

function booleanOption(query: URLSearchParams, name: string): boolean {
  const text = query.get(name);
  if (text === null) return false;
  if (text !== 'true' && text !== 'false')
    throw badQuery(`Invalid value '${text}' for ${name}`, name);
  return text === 'true';
}

/**
 * Each row's selection, made once per row object and `$select` text, for rows whose object is
 * fixed once served (sim/odata/collectionJson.ts caches their text by object), so
 * the same selected object then reuses its cached text. A poller's light pass selects the key
 * fields of its whole window every few seconds, and serialising them anew was most of what the
 * simulator spent (issue 16). Rows built per request simply miss.
 */
const selections = new Map<string, WeakMap<Row, Row>>();

function selectedOnce(select: string, pick: (row: Row) => Row): (row: Row) => Row {
  let byRow = selections.get(select);
  if (byRow === undefined) {
    // Few distinct `$select` texts are ever sent; a client that sent many more gets no cache.
    if (selections.size >= 64) return pick;
    byRow = new WeakMap();
    selections.set(select, byRow);
  }
  const cache = byRow;
  return (row) => {
    let picked = cache.get(row);
    if (picked === undefined) {
      picked = pick(row);
      cache.set(row, picked);
    }
    return picked;
  };
}

function selectProperties(select: string, known: ReadonlySet<string>): (row: Row) => Row {
  const names = select.split(',').map((s) => s.trim());
  for (const n of names) {
    if (n !== '*' && !known.has(n))
      throw badQuery(`Could not find a property named '${n}'`, '$select');
  }
  if (names.includes('*')) return (row) => row;
  return (row) => {
    const picked: Row = {};
    for (const n of names) if (row[n] !== undefined && row[n] !== null) picked[n] = row[n];
    return picked;
  };
}
