import { openTestStore } from './support';

/**
 * The SQLite migrations (schema.ts) and the Postgres ones (pgSchema.ts) must build the same
 * tables with the same columns: a column added to one and forgotten in the other fails here.
 */
const POSTGRES_ONLY = {
  tables: ['bridge_schema', 'bridge_instances', 'location_leases', 'cluster_leases', 'pbx_reads'],
  // SQLite's rowid, made explicit; a delivery's claim by one of several instances.
  columns: ['subscriptions.seq', 'deliveries.claimed_by', 'deliveries.claimed_until'],
};

function columnsOf(rows: Array<Record<string, unknown>>): string[] {
  return rows.map((r) => `${String(r.t)}.${String(r.c)}`).sort();
}

it('SQLite and Postgres end with the same tables and columns', async () => {
  const sqlite = await openTestStore('sqlite');
  const postgres = await openTestStore('postgres');
  try {
    const sqliteColumns = columnsOf(
      sqlite.store.db
        .prepare(
          `SELECT m.name AS t, p.name AS c FROM sqlite_schema m, pragma_table_info(m.name) p
           WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`,
        )
        .all(),
    );
    const postgresColumns = columnsOf(
      postgres.store.db
        .prepare(
          `SELECT table_name AS t, column_name AS c FROM information_schema.columns
           WHERE table_schema = 'public'`,
        )
        .all(),
    ).filter(
      (column) =>
        !POSTGRES_ONLY.columns.includes(column) &&
        !POSTGRES_ONLY.tables.includes(column.split('.')[0]),
    );
    expect(postgresColumns).toEqual(sqliteColumns);
    expect(sqliteColumns.length).toBeGreaterThan(100);
  } finally {
    sqlite.close();
    postgres.close();
  }
});
