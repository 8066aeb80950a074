import type { SqlDatabase, SqlRow, SqlStatement, SqlValue } from './sql/sqlDatabase';

/**
 * How many of a location's rows one list request may look at (an index walk): a filter that
 * matches nothing answers within it, with a cursor to go on.
 */
export const DEFAULT_SCAN_CAP = 10_000;

/**
 * The first window a page looks at, in pages (`limit + 1` rows each; see {@link BoundedPages}):
 * a filter that keeps one row in ten fills its page from it (`call.missed` is one event in
 * about seven).
 */
export const FIRST_WINDOW_PAGES = 10;

/** One filter of a list: a condition on an indexed column, with its parameters. */
export interface Condition {
  /** SQL over the table's own columns, e.g. `outcome = ?`; never built from request text. */
  sql: string;
  params: SqlValue[];
}

/**
 * Newest-first pages of one location's rows (`GET /v1/events`, `GET /v1/calls`), filtered in
 * SQL, with bounded work per request whatever the filter and however long the history.
 *
 * A page looks at a window of at most `scanCap` of the location's rows below the cursor: the
 * first query walks the `(location_id, seq, …)` index to the window's oldest row; the second
 * reads the window through the same index, the filters tested on the index's columns, and
 * fetches only the rows that match. A filter that matches nothing costs one window, not the
 * location's whole history; the page then comes back short (possibly empty) with a cursor to
 * continue below the window. `nextBefore` is null only when no older row of the location
 * remains, so a client that follows the cursor sees every matching row exactly once.
 *
 * The WHERE clause holds only the filters given (no `? IS NULL OR …`, which keeps SQLite off
 * the index); its statement is compiled on first use per combination of filters and kept.
 *
 * Finding the window's floor walks the index over the whole window (an `OFFSET` of `scanCap`
 * rows, ~0.5 ms at 10,000), though most pages fill from their newest rows: the feed with its
 * usual filters, the calls list. So a page first looks at a window of
 * {@link FIRST_WINDOW_PAGES} pages' worth of rows; only when that window does not fill it (a
 * filter that matches few rows) is the whole window read. The page is the same either way: the
 * small window is the newest part of the whole one.
 */
export class BoundedPages {
  private readonly windowFloor: SqlStatement;
  private readonly pages = new Map<string, SqlStatement>();

  private readonly scope: string;
  /** SQLite is told the index (its planner would otherwise pick the primary key); Postgres plans it. */
  private readonly indexed: string;

  constructor(
    private readonly db: SqlDatabase,
    private readonly spec: {
      table: 'events' | 'calls';
      /**
       * The index on `(…scope, seq, …filtered columns)` that serves the order and filters.
       * `scope`: the columns every page fixes, `location_id` first (default: only it).
       */
      index: string;
      scope?: readonly string[];
      columns: string;
      scanCap: number;
    },
  ) {
    this.indexed = db.dialect === 'sqlite' ? ` INDEXED BY ${spec.index}` : '';
    this.scope = (spec.scope ?? ['location_id']).map((column) => `${column} = ?`).join(' AND ');
    this.windowFloor = db.prepare(
      `SELECT seq FROM ${spec.table}${this.indexed}
       WHERE ${this.scope} AND seq < ? ORDER BY seq DESC LIMIT 1 OFFSET ?`,
    );
  }

  /**
   * Rows newest first with `seq < before` of one scope (`[locationId]`, or the values of
   * `spec.scope`); `nextBefore` continues below them (null: no more).
   */
  page(
    scope: readonly SqlValue[],
    query: { before: number; limit: number; conditions: readonly Condition[] },
  ): { rows: SqlRow[]; nextBefore: number | null } {
    const first = FIRST_WINDOW_PAGES * (query.limit + 1);
    if (first < this.spec.scanCap) {
      const small = this.windowPage(scope, query, first);
      if (small.complete) return small.page;
    }
    return this.windowPage(scope, query, this.spec.scanCap).page;
  }

  /**
   * The page from a window of the newest `size` rows below `query.before`. `complete`: it is
   * the page a larger window would give too (it filled, or no older row of the scope remains).
   */
  private windowPage(
    scope: readonly SqlValue[],
    query: { before: number; limit: number; conditions: readonly Condition[] },
    size: number,
  ): { page: { rows: SqlRow[]; nextBefore: number | null }; complete: boolean } {
    const floorRow = this.windowFloor.get(...scope, query.before, size - 1) as
      { seq: number } | undefined;
    const floor = floorRow?.seq ?? 0;
    const rows = this.statementFor(query.conditions).all(
      ...scope,
      query.before,
      floor,
      ...query.conditions.flatMap((c) => c.params),
      query.limit + 1,
    ) as SqlRow[];
    if (rows.length > query.limit) {
      rows.length = query.limit;
      return { page: { rows, nextBefore: Number(rows[rows.length - 1].seq) }, complete: true };
    }
    // The window held every match below `before`; older rows (if any) start below its floor.
    return { page: { rows, nextBefore: floorRow ? floor : null }, complete: !floorRow };
  }

  /** The statement for a combination of filters, for `EXPLAIN QUERY PLAN` in tests. */
  sqlFor(conditions: readonly Condition[]): string {
    const where = conditions.map((c) => ` AND ${c.sql}`).join('');
    return `SELECT ${this.spec.columns} FROM ${this.spec.table}${this.indexed}
       WHERE ${this.scope} AND seq < ? AND seq >= ?${where}
       ORDER BY seq DESC LIMIT ?`;
  }

  private statementFor(conditions: readonly Condition[]): SqlStatement {
    const key = conditions.map((c) => c.sql).join(' AND ');
    let statement = this.pages.get(key);
    if (statement === undefined) {
      statement = this.db.prepare(this.sqlFor(conditions));
      this.pages.set(key, statement);
    }
    return statement;
  }
}
