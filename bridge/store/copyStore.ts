import type { SqlDatabase, SqlRow, SqlValue } from './sql/sqlDatabase';

/**
 * The tables `3cx-bridge migrate` copies, parents before children (foreign keys), with the
 * column that orders the copy. Sealed secrets are copied as they are: the target must be used
 * with the same secret key.
 */
export const COPIED_TABLES = [
  'locations',
  'api_keys',
  'subscriptions',
  'calls',
  'events',
  'deliveries',
  'delivery_attempts',
  'poller_states',
  'poller_call_keys',
  'poller_health',
  'contacts',
  'journal_entries',
  'callcontrol_calls',
] as const;

/** Postgres identity columns whose sequence must continue after the copied rows. */
const IDENTITIES: Array<[string, string]> = [
  ['calls', 'seq'],
  ['events', 'seq'],
  ['deliveries', 'id'],
];

export interface CopyProgress {
  table: string;
  copied: number;
  total: number;
}

export interface CopyResult {
  tables: Array<{ table: string; source: number; target: number }>;
}

/** Rows per read and per insert transaction. */
export const COPY_BATCH = 500;

/**
 * Copy a SQLite store into a Postgres one, table by table in batches (one transaction each),
 * then continue the target's sequences past the copied ids and count both sides. A row the
 * target already has (same key) is left as it is, so a copy that stopped half-way can run
 * again. The caller decides whether a non-empty target may be written (`targetRows`).
 */
export function copyStore(
  source: SqlDatabase,
  target: SqlDatabase,
  options: { batch?: number; onProgress?: (progress: CopyProgress) => void } = {},
): CopyResult {
  const batch = options.batch ?? COPY_BATCH;
  const result: CopyResult = { tables: [] };
  for (const table of COPIED_TABLES) {
    // The columns both have (the schema parity test keeps them equal); `subscriptions.seq` is
    // Postgres's own and numbers rows in the order they are copied (SQLite's rowid order).
    const columns = source
      .prepare(`SELECT name FROM pragma_table_info('${table}')`)
      .all()
      .map((r) => String(r.name));
    const total = Number(source.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get()!.n);
    const hasRowid = !source
      .prepare(`SELECT sql FROM sqlite_schema WHERE name = ?`)
      .get(table)
      ?.sql?.toString()
      .includes('WITHOUT ROWID');
    const read = hasRowid
      ? source.prepare(
          `SELECT rowid AS _copy_key, ${columns.join(', ')} FROM ${table} WHERE rowid > ? ORDER BY rowid LIMIT ?`,
        )
      : source.prepare(
          `SELECT ${columns.join(', ')} FROM ${table} ORDER BY 1, 2, 3 LIMIT ? OFFSET ?`,
        );
    const inserts = new Map<number, ReturnType<SqlDatabase['prepare']>>();
    const insertFor = (rows: number) => {
      let statement = inserts.get(rows);
      if (!statement) {
        const one = `(${columns.map(() => '?').join(', ')})`;
        statement = target.prepare(
          `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${Array(rows).fill(one).join(', ')}
           ON CONFLICT DO NOTHING`,
        );
        inserts.set(rows, statement);
      }
      return statement;
    };
    let copied = 0;
    let after = 0;
    options.onProgress?.({ table, copied, total });
    for (;;) {
      const rows: SqlRow[] = hasRowid ? read.all(after, batch) : read.all(batch, copied);
      if (rows.length === 0) break;
      const values: SqlValue[] = [];
      for (const row of rows) for (const column of columns) values.push(row[column]);
      target.transaction(() => insertFor(rows.length).run(...values));
      copied += rows.length;
      if (hasRowid) after = Number(rows[rows.length - 1]._copy_key);
      options.onProgress?.({ table, copied, total });
      if (rows.length < batch) break;
    }
    const inTarget = Number(target.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get()!.n);
    result.tables.push({ table, source: total, target: inTarget });
  }
  for (const [table, column] of IDENTITIES)
    target
      .prepare(
        `SELECT setval(pg_get_serial_sequence('${table}', '${column}'), COALESCE((SELECT MAX(${column}) FROM ${table}), 0) + 1, false)`,
      )
      .get();
  return result;
}

/** How many rows the copied tables hold (0: an empty target). */
export function rowsIn(db: SqlDatabase): number {
  let n = 0;
  for (const table of COPIED_TABLES)
    n += Number(db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get()!.n);
  return n;
}
