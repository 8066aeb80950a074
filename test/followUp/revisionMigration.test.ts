import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openDatabase } from '../../bridge/store/database';
import { MIGRATIONS } from '../../bridge/store/schema';

/**
 * A database from before the record counted its own changes: its calls' revision starts at the
 * highest `call.updated` number their stored events used, so the next change gets a new id.
 */
it('starts each call’s revision at the highest call.updated number already stored', () => {
  const dir = mkdtempSync(join(tmpdir(), '3cx-bridge-migration-'));
  const path = join(dir, 'bridge.db');
  try {
    const old = new DatabaseSync(path);
    for (const migration of MIGRATIONS.slice(0, 2)) old.exec(migration);
    old.exec('PRAGMA user_version = 2');
    const at = '2026-03-02T09:00:00.000Z';
    old
      .prepare(
        `INSERT INTO locations (id, name, country, timezone, created_at) VALUES ('loc_1', 'Office', 'AU', 'Australia/Adelaide', ?)`,
      )
      .run(at);
    for (const id of ['call-a', 'call-b'])
      old
        .prepare(
          `INSERT INTO calls (location_id, call_id, status, direction, started_at, facts, created_at, updated_at)
           VALUES ('loc_1', ?, 'ended', 'inbound', ?, '{}', ?, ?)`,
        )
        .run(id, at, at, at);
    // call-a had three changes, the first already pruned; call-b none.
    for (const n of [2, 3])
      old
        .prepare(
          `INSERT INTO events (location_id, id, type, call_id, occurred_at, payload, created_at)
           VALUES ('loc_1', ?, 'call.updated', 'call-a', ?, '{}', ?)`,
        )
        .run(`call-a:call.updated:${n}`, at, at);
    old.close();

    const db = openDatabase(path);
    const revisions = db
      .prepare('SELECT call_id, revision FROM calls ORDER BY call_id')
      .all() as Array<{ call_id: string; revision: number }>;
    expect(revisions.map((r) => [r.call_id, Number(r.revision)])).toEqual([
      ['call-a', 3],
      ['call-b', 0],
    ]);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
