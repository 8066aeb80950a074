import type { SqlDatabase } from './sql/sqlDatabase';
import { prepareAll } from './database';

/**
 * Whether each location's poller is failing, as the instance that polls it last found
 * (`poller_health`, schema.ts migration 10). With several instances the journal entry for a
 * call may arrive at one that does not poll the location: its hold must rest on what the
 * polling instance knows (bridge/journal/holdDeadline.ts), not on this process's scheduler.
 * Written only when the answer changes, so a healthy poller costs no write per poll.
 */
export class PollerHealthRepo {
  private readonly sql;

  constructor(db: SqlDatabase) {
    this.sql = prepareAll(db, {
      get: 'SELECT failing FROM poller_health WHERE location_id = ?',
      set: `INSERT INTO poller_health (location_id, failing, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (location_id) DO UPDATE SET failing = excluded.failing, updated_at = excluded.updated_at`,
    });
  }

  /** The location's poller is failing (false when it never reported). */
  isFailing(locationId: string): boolean {
    const row = this.sql.get.get(locationId) as { failing: number } | undefined;
    return Number(row?.failing ?? 0) === 1;
  }

  set(locationId: string, failing: boolean, now: number): void {
    this.sql.set.run(locationId, failing ? 1 : 0, now);
  }
}
