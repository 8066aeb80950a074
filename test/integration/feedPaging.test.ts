import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallEvent, CallEventType } from '../../lib/callEvent';
import { matchesFilters, type EventFilters } from '../../lib/eventFilters';
import type { CallFacts } from '../../lib/settledCall';
import { syntheticCall, syntheticEvents } from '../../bench/syntheticEvents';
import { SecretBox } from '../../bridge/secrets/secretBox';
import { DEFAULT_SCAN_CAP, FIRST_WINDOW_PAGES } from '../../bridge/store/boundedPages';
import { BridgeStore } from '../../bridge/store/bridgeStore';
import { CallRepo } from '../../bridge/store/calls';
import { decodeCursor } from '../../bridge/store/ids';
import { EventOutbox } from '../../bridge/store/outbox';
import type { SqlDatabase, SqlStatement } from '../../bridge/store/sql/sqlDatabase';
import { api } from '../support/bridgeApi';
import { startTestBridge } from '../support/testBridge';

/**
 * `GET /v1/events` and `GET /v1/calls` filter in SQL and page with bounded work: following
 * `next_cursor` until it is null yields every matching row exactly once, newest first, with
 * any filter; and one request looks at no more than a fixed number of the location's rows,
 * however many it has and whatever the filter.
 */
let dir: string;
let store: BridgeStore;
let locationId: string;
let otherId: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), '3cx-feed-paging-'));
  store = BridgeStore.open(join(dir, 'bridge.db'), SecretBox.fromKey(Buffer.alloc(32, 5)));
  const create = (name: string) =>
    store.locations.create({ name, country: 'AU', timezone: 'Australia/Adelaide' }, new Date()).id;
  locationId = create('Adelaide Office');
  otherId = create('Brisbane Office');
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Events of two locations interleaved (one location's seqs have gaps); some suppressed. */
function storeEvents(count: number): Array<{ event: CallEvent; suppressed: boolean }> {
  const mine = syntheticEvents(count, { locationId });
  const theirs = syntheticEvents(count, { locationId: otherId });
  const stored: Array<{ event: CallEvent; suppressed: boolean }> = [];
  store.transaction(() => {
    mine.forEach((event, i) => {
      const suppressed = i % 11 === 5;
      store.events.append(locationId, event, {
        now: Date.now(),
        suppressedReason: suppressed ? 'dialler cooldown' : null,
      });
      stored.push({ event, suppressed });
      if (i % 3 === 0) store.events.append(otherId, theirs[i], { now: Date.now() });
    });
  });
  return stored;
}

type FeedQuery = {
  type?: CallEventType;
  filters?: EventFilters;
  includeSuppressed?: boolean;
};

const QUERIES: FeedQuery[] = [
  {},
  { includeSuppressed: true },
  { type: 'call.missed' },
  { filters: { source_list: 'sales' } },
  { filters: { source_list: 'nomatch' } },
  { filters: { business_hours: 'after_hours' } },
  { filters: { business_hours: 'in_hours' } },
  { filters: { skip_voicemail_left: true } },
  { filters: { repeat: 'first' } },
  { filters: { repeat: 'repeat' } },
  { filters: { exclude_known_contacts: true } },
  {
    type: 'call.missed',
    filters: { source_list: 'support', business_hours: 'in_hours', repeat: 'repeat' },
  },
  {
    type: 'call.ended',
    includeSuppressed: true,
    filters: { skip_voicemail_left: true, exclude_known_contacts: true, repeat: 'first' },
  },
];

function pageAll(outbox: EventOutbox, query: FeedQuery, limit: number): string[] {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; ; pages++) {
    expect(pages).toBeLessThan(10_000);
    const page: ReturnType<EventOutbox['feed']> = outbox.feed(locationId, {
      ...query,
      limit,
      cursor,
    });
    expect(page.events.length).toBeLessThanOrEqual(limit);
    ids.push(...page.events.map((e) => e.event.id));
    cursor = page.nextCursor;
    if (cursor === null) return ids;
  }
}

describe('the event feed', () => {
  it.each(QUERIES.map((q) => [JSON.stringify(q), q] as const))(
    'pages through every matching event exactly once: %s',
    (_name, query) => {
      const stored = storeEvents(1_200);
      const expected = stored
        .filter(({ suppressed }) => query.includeSuppressed || !suppressed)
        .filter(({ event }) => query.type === undefined || event.event === query.type)
        .filter(({ event }) => matchesFilters(event, query.filters))
        .map(({ event }) => event.id)
        .reverse();
      // Small windows, so pages end at window edges, empty pages included.
      for (const scanCap of [1, 97, 5_000])
        for (const limit of [1, 7, 100])
          expect([
            scanCap,
            limit,
            pageAll(new EventOutbox(store.db, { scanCap }), query, limit),
          ]).toEqual([scanCap, limit, expected]);
    },
  );

  it('a filter that matches nothing looks at one window of the history, then hands back a cursor', () => {
    storeEvents(DEFAULT_SCAN_CAP + 2_500);
    const query = { limit: 100, filters: { source_list: 'nomatch' } };
    const first = store.events.feed(locationId, query);
    expect(first.events).toEqual([]);
    expect(first.nextCursor).not.toBeNull();
    // It covered exactly the newest DEFAULT_SCAN_CAP of the location's events, no more.
    const covered = store.db
      .prepare('SELECT COUNT(*) AS n FROM events WHERE location_id = ? AND seq >= ?')
      .get(locationId, decodeCursor(first.nextCursor!)) as { n: number };
    expect(covered.n).toBe(DEFAULT_SCAN_CAP);
    const second = store.events.feed(locationId, { ...query, cursor: first.nextCursor });
    expect([second.events, second.nextCursor]).toEqual([[], null]);
  });

  it('a page that fills from its newest rows finds the floor of a small window only; one that does not, of the whole', () => {
    storeEvents(DEFAULT_SCAN_CAP + 2_500);
    const { db, floorOffsets } = floorsAskedOf(store.db);
    const outbox = new EventOutbox(db);
    const firstWindow = FIRST_WINDOW_PAGES * 101;
    // The index walk to a window's floor is an OFFSET over the window: ~0.5 ms at 10,000 rows.
    expect(outbox.feed(locationId, { limit: 100 }).events).toHaveLength(100);
    expect(floorOffsets.splice(0)).toEqual([firstWindow - 1]);
    const sparse = outbox.feed(locationId, { limit: 100, filters: { source_list: 'nomatch' } });
    expect(sparse.events).toEqual([]);
    expect(floorOffsets.splice(0)).toEqual([firstWindow - 1, DEFAULT_SCAN_CAP - 1]);
    // What each page holds either way: "pages through every matching event exactly once" above
    // (its caps of 97 and 5,000 take both steps).
  });

  it("reads through the feed index's range, never the whole table or a sort", () => {
    const plans = (sql: string) =>
      (
        store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{
          detail: string;
        }>
      ).map((r) => r.detail);
    const conditionsOf = (terms: string[]) => terms.map((sql) => ({ sql, params: [] }));
    for (const terms of [
      [],
      ['type = ?'],
      ['suppressed = 0', 'source_list = ?'],
      [
        'type = ?',
        'suppressed = 0',
        'branch = ?',
        'voicemail_left = ?',
        'is_repeat_miss = ?',
        'known_contact = ?',
      ],
    ]) {
      const detail = plans(store.events.pages.sqlFor(conditionsOf(terms)));
      expect(detail).toEqual([
        expect.stringMatching(
          /^SEARCH events USING (COVERING )?INDEX events_feed \(location_id=\? AND seq>\? AND seq<\?\)$/,
        ),
      ]);
    }
  });
});

describe('the calls list', () => {
  function storeCalls(count: number) {
    const directions = ['inbound', 'outbound', 'internal'] as const;
    const outcomes = ['answered', 'voicemail', 'abandoned', 'missed'] as const;
    const rows: Array<{
      id: string;
      direction: string;
      outcome: string | null;
      status: string;
      numberKey: string;
    }> = [];
    store.transaction(() => {
      for (let i = 0; i < count; i++) {
        const status = i % 5 === 0 ? ('live' as const) : ('ended' as const);
        const facts: CallFacts = {
          ...syntheticCall(i, Date.UTC(2026, 2, 2) + i * 60_000),
          call_id: `call-${i}`,
          direction: directions[i % 3],
          outcome: outcomes[Math.floor(i / 3) % 4],
          external_number: `+6141230000${i % 7}`,
        };
        store.calls.upsert(
          locationId,
          { facts, status, enrichment: null, missed: false, missedEmitted: false },
          Date.now(),
        );
        rows.push({
          id: facts.call_id,
          direction: facts.direction,
          outcome: status === 'ended' ? facts.outcome : null,
          numberKey: facts.external_number!,
          status,
        });
      }
    });
    return rows.reverse();
  }

  it('pages through every matching call exactly once, with each filter', () => {
    const rows = storeCalls(600);
    const queries = [
      {},
      { numberKey: '+61412300003' },
      { numberKey: '+61412300005', outcome: 'missed' },
      { numberKey: '+61499999999' },
      { outcome: 'missed' },
      { direction: 'outbound' },
      { status: 'live' },
      { outcome: 'voicemail', direction: 'inbound', status: 'ended' },
    ] as const;
    for (const scanCap of [1, 53, 10_000]) {
      const repo = new CallRepo(store.db, { scanCap });
      for (const query of queries) {
        const expected = rows
          .filter((r) => Object.entries(query).every(([k, v]) => r[k as keyof typeof r] === v))
          .map((r) => r.id);
        const got: string[] = [];
        let cursor: string | null = null;
        do {
          const page: ReturnType<CallRepo['list']> = repo.list(locationId, {
            ...query,
            limit: 9,
            cursor,
          });
          got.push(...page.calls.map((c) => c.callId));
          cursor = page.nextCursor;
        } while (cursor !== null);
        expect([scanCap, query, got]).toEqual([scanCap, query, expected]);
      }
    }
  });
});

describe('through the API', () => {
  it('GET /v1/events follows next_cursor to every filtered event, and refuses a made-up cursor', async () => {
    const t = await startTestBridge();
    try {
      const events = syntheticEvents(DEFAULT_SCAN_CAP + 1_000, { locationId: t.locationId });
      t.bridge.store.transaction(() => {
        for (const event of events)
          t.bridge.store.events.append(t.locationId, event, { now: Date.now() });
      });
      const expected = events
        .filter(
          (e) =>
            e.event === 'call.missed' &&
            matchesFilters(e, { source_list: 'billing', repeat: 'first' }),
        )
        .map((e) => e.id)
        .reverse();
      expect(expected.length).toBeGreaterThan(100);
      const got: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `event=call.missed&source_list=billing&repeat=first&limit=100${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await api(t.url, t.apiKey, 'GET', `/v1/events?${query}`);
        expect(page.status).toBe(200);
        got.push(...page.body.data.map((e: CallEvent) => e.id));
        cursor = page.body.next_cursor;
      } while (cursor !== null);
      expect(got).toEqual(expected);

      const bad = await api(t.url, t.apiKey, 'GET', '/v1/events?cursor=not-a-cursor');
      expect(bad.status).toBe(400);
      expect(bad.body.details).toEqual([
        {
          path: 'cursor',
          message: 'is not a cursor from this API: pass next_cursor exactly as it came',
        },
      ]);
    } finally {
      await t.close();
    }
  });
});

/** `db`, noting the OFFSET each window-floor read of a page asks for (bridge/store/boundedPages.ts). */
function floorsAskedOf(db: SqlDatabase): { db: SqlDatabase; floorOffsets: number[] } {
  const floorOffsets: number[] = [];
  const noting = (statement: SqlStatement): SqlStatement =>
    new Proxy(statement, {
      get(target, key) {
        if (key === 'get')
          return (...params: Parameters<SqlStatement['get']>) => {
            floorOffsets.push(Number(params[params.length - 1]));
            return target.get(...params);
          };
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  const proxy = new Proxy(db, {
    get(target, key) {
      if (key === 'prepare')
        return (text: string) => {
          const statement = target.prepare(text);
          return /\bOFFSET\b/.test(text) ? noting(statement) : statement;
        };
      const value = Reflect.get(target, key, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: proxy, floorOffsets };
}
