import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openDatabase } from '../../bridge/store/database';
import { ReportRepo } from '../../bridge/store/reports';
import { MIGRATIONS } from '../../bridge/store/schema';

/**
 * A database from before the follow-up: its calls' revision starts at the highest
 * `call.updated` number their stored events used, so the next change gets a new id; its misses
 * get what the reports read from their stored JSON and `call.missed` event.
 */
it('starts each call’s revision at the highest call.updated number, and gives old misses their report context', () => {
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
    old
      .prepare(
        `INSERT INTO calls (location_id, call_id, status, direction, outcome, number_key, started_at, missed, missed_emitted,
                            facts, enrichment, created_at, updated_at)
         VALUES ('loc_1', 'miss-1', 'ended', 'inbound', 'voicemail', '+61412345678', ?, 1, 1, ?, ?, ?, ?)`,
      )
      .run(
        at,
        JSON.stringify({
          voicemail_left: true,
          caller_anonymous: false,
          dialed_number: '+61881234501',
        }),
        JSON.stringify({
          branch: 'after_hours',
          is_repeat_miss: true,
          source_list: 'sales',
          known_contact: false,
        }),
        at,
        at,
      );
    old
      .prepare(
        `INSERT INTO events (location_id, id, type, call_id, occurred_at, payload, created_at)
         VALUES ('loc_1', 'miss-1:call.missed', 'call.missed', 'miss-1', ?, '{}', ?)`,
      )
      .run(at, '2026-03-02T09:00:30.000Z');
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
      ['miss-1', 0],
    ]);
    const [miss] = new ReportRepo(db).misses(
      'loc_1',
      '2026-03-01T00:00:00Z',
      '2026-03-03T00:00:00Z',
    );
    expect(miss).toMatchObject({
      callId: 'miss-1',
      fired: true,
      branch: 'after_hours',
      repeat: true,
      sourceList: 'sales',
      dialedNumber: '+61881234501',
      voicemailLeft: true,
      anonymous: false,
      eventCreatedAt: '2026-03-02T09:00:30.000Z',
    });
    expect(miss.eventSeq).toEqual(expect.any(Number));
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
