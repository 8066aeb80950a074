import { DB_NOW_MS } from './sql/dbNow';
import { prepareAll, type SqlDatabase } from './sql/sqlDatabase';

/** What an instance holds after a lease round. */
export interface HeldLeases {
  /** The locations it polls and streams, sorted. */
  locations: string[];
  /** The cluster leases (`JOB_LEASES`) it holds. */
  jobs: Set<string>;
}

/**
 * Location leases, named cluster leases and instance heartbeats (Postgres only; tables in
 * pgSchema.ts). A location lease says which instance polls a location, holds its Call Control
 * stream and runs its sweeps (journal, follow-up) until `expires_at`; an expired or released
 * lease (`holder` null) is free for any instance to take. A cluster lease names work one
 * instance does for all (retention); whoever holds it keeps it while it renews.
 */
export class LeaseRepo {
  private readonly sql;

  constructor(private readonly db: SqlDatabase) {
    this.sql = prepareAll(db, {
      // pgSchema.ts migration 2: the whole round in one statement (one round trip every few
      // seconds, however many locations).
      round: `SELECT held_kind, held_id FROM bridge_lease_round(?, ?, ?, ?)`,
      releaseAll: `UPDATE location_leases SET holder = NULL, expires_at = 0 WHERE holder = ?`,
      releaseJobs: `UPDATE cluster_leases SET expires_at = 0 WHERE holder = ?`,
      leaveCluster: `DELETE FROM bridge_instances WHERE id = ?`,
      holders: `SELECT location_id, holder FROM location_leases
         WHERE holder IS NOT NULL AND expires_at >= ${DB_NOW_MS} ORDER BY location_id`,
    });
  }

  /**
   * One round for instance `me`: say it is alive (and forget instances whose heartbeat ran
   * out), keep the leases it still holds, hand back what is above its fair share (locations ÷
   * live instances, rounded up, the highest ids first) so a newcomer gets work, take free ones
   * up to that share (`SKIP LOCKED`: two instances never take the same), and take or keep the
   * named cluster leases in `jobs` unless another live instance holds them.
   */
  round(me: string, host: string, leaseMs: number, jobs: readonly string[] = []): HeldLeases {
    const rows = this.sql.round.all(me, host, leaseMs, JSON.stringify(jobs));
    const held: HeldLeases = { locations: [], jobs: new Set() };
    for (const row of rows) {
      if (row.held_kind === 'job') held.jobs.add(String(row.held_id));
      else held.locations.push(String(row.held_id));
    }
    held.locations.sort();
    return held;
  }

  /** Give every lease back and leave (a clean stop: others take over at once). */
  leave(me: string): void {
    this.db.transaction(() => {
      this.sql.releaseAll.run(me);
      this.sql.releaseJobs.run(me);
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
