import { prepareAll, type SqlDatabase } from './sql/sqlDatabase';

/** The database's clock in epoch ms: every instance measures expiry on the same clock. */
const DB_NOW = `(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint`;

/**
 * Location leases and instance heartbeats (Postgres only; tables in pgSchema.ts). A lease row
 * says which instance polls a location and holds its Call Control stream until `expires_at`;
 * an expired or released lease (`holder` null) is free for any instance to take.
 */
export class LeaseRepo {
  private readonly sql;

  constructor(private readonly db: SqlDatabase) {
    this.sql = prepareAll(db, {
      heartbeat: `INSERT INTO bridge_instances (id, host, started_at, expires_at)
         VALUES (?, ?, ${DB_NOW}, ${DB_NOW} + ?)
         ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at`,
      forgetDead: `DELETE FROM bridge_instances WHERE expires_at < ${DB_NOW}`,
      liveCount: `SELECT COUNT(*) AS n FROM bridge_instances WHERE expires_at >= ${DB_NOW}`,
      pollable: `SELECT COUNT(*) AS n FROM locations`,
      addMissing: `INSERT INTO location_leases (location_id, holder, expires_at)
         SELECT id, NULL, 0 FROM locations ON CONFLICT (location_id) DO NOTHING`,
      renew: `UPDATE location_leases SET expires_at = ${DB_NOW} + ?
         WHERE holder = ? AND expires_at >= ${DB_NOW} RETURNING location_id`,
      release: `UPDATE location_leases SET holder = NULL, expires_at = 0
         WHERE holder = ? AND location_id = ?`,
      releaseAll: `UPDATE location_leases SET holder = NULL, expires_at = 0 WHERE holder = ?`,
      take: `UPDATE location_leases SET holder = ?, expires_at = ${DB_NOW} + ?, acquired_at = ${DB_NOW}
         WHERE location_id IN (
           SELECT location_id FROM location_leases
           WHERE expires_at < ${DB_NOW} OR holder IS NULL
           ORDER BY location_id LIMIT ? FOR UPDATE SKIP LOCKED)
         RETURNING location_id`,
      leaveCluster: `DELETE FROM bridge_instances WHERE id = ?`,
      holders: `SELECT location_id, holder FROM location_leases
         WHERE holder IS NOT NULL AND expires_at >= ${DB_NOW} ORDER BY location_id`,
    });
  }

  /**
   * One round for instance `me`: say it is alive, keep the leases it still holds, hand back
   * what is above its fair share (locations ÷ live instances, rounded up) so a newcomer gets
   * work, and take free ones up to that share. Returns the locations it holds now.
   */
  round(me: string, host: string, leaseMs: number): string[] {
    return this.db.transaction(() => {
      this.sql.heartbeat.run(me, host, leaseMs);
      this.sql.forgetDead.run();
      this.sql.addMissing.run();
      const live = Math.max(1, Number(this.sql.liveCount.get()!.n));
      const total = Number(this.sql.pollable.get()!.n);
      const fair = Math.ceil(total / live);
      const held = this.sql.renew.all(leaseMs, me).map((r) => String(r.location_id));
      held.sort();
      while (held.length > fair) this.sql.release.run(me, held.pop()!);
      if (held.length < fair)
        for (const row of this.sql.take.all(me, leaseMs, fair - held.length))
          held.push(String(row.location_id));
      return held.sort();
    });
  }

  /** Give every lease back and leave (a clean stop: others take over at once). */
  leave(me: string): void {
    this.db.transaction(() => {
      this.sql.releaseAll.run(me);
      this.sql.leaveCluster.run(me);
    });
  }

  /** Which instance holds each location now (status, tests). */
  holders(): Array<{ locationId: string; holder: string }> {
    return this.sql.holders
      .all()
      .map((r) => ({ locationId: String(r.location_id), holder: String(r.holder) }));
  }
}
