import type { StatementSync } from 'node:sqlite';
import { SecretBox } from '../../bridge/secrets/secretBox';
import { BridgeStore } from '../../bridge/store/bridgeStore';
import { PRUNE_SQL } from '../../bridge/store/retention';

/**
 * The queries that run on every delivery, every event and every prune read an index, never the
 * whole table: at a million calls stored a full scan is seconds of a blocked event loop
 * (issue 16). Checked on SQLite's own plan of the statements the store really prepared, so
 * dropping an index or rewriting a query off its index fails here.
 */
describe('the store’s queries use their indexes', () => {
  const store = BridgeStore.open(':memory:', SecretBox.ephemeral());
  afterAll(() => store.close());

  /** tables that grow with traffic: a scan of one of these is a stall at 1M calls. */
  const BIG =
    /\bSCAN (deliveries|delivery_attempts|events|calls|journal_entries|d|e|c)\b(?! USING (COVERING )?INDEX)/;

  function plan(sql: string): string {
    const params = (sql.match(/\?/g) ?? []).map(() => 1);
    return (
      store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>
    )
      .map((r) => r.detail)
      .join(' | ');
  }

  /** Every statement a repository prepared (its private `sql`), by `repo.name`. */
  function preparedStatements(): Array<[string, string]> {
    const out: Array<[string, string]> = [];
    for (const [repoName, repo] of Object.entries(store)) {
      const sql = (repo as { sql?: Record<string, StatementSync> } | null)?.sql;
      if (!sql || typeof sql !== 'object') continue;
      for (const [name, statement] of Object.entries(sql))
        out.push([`${repoName}.${name}`, statement.sourceSQL]);
    }
    return out;
  }

  /**
   * Full scans allowed, each for a reason: rare operator work, or a scan of a partial index
   * that holds only the pending backlog.
   */
  const ALLOWED_SCANS = new Set([
    'locations.remove', // removing a location (operator, rare): its deliveries have no location index
    'deliveries.countsByStatus', // read by the fault tests only, not on any request path
  ]);

  it('finds the repositories’ statements', () => {
    // Guards the test itself: if `sql` were renamed, every plan check below would pass vacuously.
    expect(preparedStatements().length).toBeGreaterThan(30);
  });

  it.each(preparedStatements().filter(([name]) => !ALLOWED_SCANS.has(name)))(
    '%s reads no traffic table whole',
    (_name, sql) => {
      expect(plan(sql)).not.toMatch(BIG);
    },
  );

  it.each([
    [
      'deliveries.laneDue',
      /SEARCH d USING INDEX deliveries_lane .* \| SEARCH e USING INTEGER PRIMARY KEY/,
    ],
    // New deliveries by id, each one's event by its key (how many are fresh calls').
    [
      'deliveries.newSince',
      /SEARCH d USING INTEGER PRIMARY KEY \(rowid>\?\).*\| SEARCH e USING INTEGER PRIMARY KEY/,
    ],
    // A lane's fresh deliveries: its pending ones in the id range, each event by its key.
    [
      'deliveries.freshDue',
      /SEARCH d USING INDEX deliveries_lane .* \| SEARCH e USING INTEGER PRIMARY KEY/,
    ],
    ['deliveries.giveUp', /SEARCH deliveries USING (COVERING )?INDEX deliveries_pending_age/],
    // A batch's repeat-miss counts and the emitted misses that may fold its calls: each call's
    // question is a search of the index alone (no row lookups), bounded by its window; the
    // batch's own calls are found by their key.
    [
      'calls.missHistoryOfEach',
      new RegExp(
        [
          'SCAN q .*SEARCH c USING COVERING INDEX calls_missed_by_number \\(location_id=\\? AND number_key=\\? AND started_at>\\? AND started_at<\\?\\)',
          'SCAN q .*SEARCH c USING COVERING INDEX calls_missed_by_number \\(location_id=\\? AND number_key=\\? AND started_at>\\? AND started_at<\\?\\)',
          'SCAN b .*SEARCH c USING INDEX sqlite_autoindex_calls_1 \\(location_id=\\? AND call_id=\\?\\)',
        ].join('.*'),
      ),
    ],
  ])('%s uses the index it was built for', (name, expected) => {
    const sql = new Map(preparedStatements()).get(name);
    expect(sql).toBeDefined();
    expect(plan(sql!)).toMatch(expected);
  });

  /** The SQL texts a call into the store prepared. */
  function preparedBy(call: () => unknown): string[] {
    const prepare = jest.spyOn(store.db, 'prepare');
    try {
      call();
      return prepare.mock.calls.map(([sql]) => sql);
    } finally {
      prepare.mockRestore();
    }
  }

  it.each([
    [
      'open',
      () =>
        store.followUps.openMissesOfEach('loc', [
          { numberKey: '+61', fromIso: 'a', beforeIso: 'b' },
        ]),
      /SCAN q .*SEARCH c USING INDEX calls_open_misses \(location_id=\? AND number_key=\?/,
    ],
    // Not `calls_missed_by_number`, which SQLite takes unasked (it fits the start times too):
    // every miss of the number in the horizon, each row read, where these are a few.
    [
      'returned',
      () =>
        store.followUps.returnedMissesOfEach('loc', [
          { numberKey: '+61', fromIso: 'a', beforeIso: 'b', returnedFromIso: 'c' },
        ]),
      /SCAN q .*SEARCH c USING INDEX calls_returned_misses \(location_id=\? AND number_key=\? AND returned_at>\?\)/,
    ],
  ] as const)(
    'the follow-up reads a number’s %s misses through their own index',
    (_kind, read, expected) => {
      const [sql] = preparedBy(read);
      expect(plan(sql)).toMatch(expected);
    },
  );

  it.each([
    ['deliveries', /SEARCH deliveries USING INDEX deliveries_finished/],
    ['events', /SEARCH events USING COVERING INDEX events_created/],
    ['journal_entries', /SEARCH journal_entries USING INDEX journal_entries_resolved/],
  ] as const)('pruning %s finds each batch through its age index', (table, expected) => {
    for (const sql of PRUNE_SQL[table]) {
      const detail = plan(sql);
      expect(detail).toMatch(expected);
      expect(detail).not.toMatch(BIG);
    }
  });
});
