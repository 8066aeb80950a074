import type { SqlDatabase } from '../../bridge/store/sql/sqlDatabase';

/**
 * The store's tables by name, on either store. Left out on Postgres: its schema version (SQLite
 * keeps it in a pragma), and the instance heartbeats and location leases, which say which
 * instance is alive and change on their own.
 */
export function storeTables(db: SqlDatabase): string[] {
  const rows =
    db.dialect === 'sqlite'
      ? db
          .prepare(
            `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`,
          )
          .all()
      : db
          .prepare(
            `SELECT table_name AS name FROM information_schema.tables
             WHERE table_schema = 'public' AND table_name NOT IN ('bridge_schema', 'bridge_instances', 'location_leases')
             ORDER BY table_name`,
          )
          .all();
  return rows.map((r) => String(r.name));
}
