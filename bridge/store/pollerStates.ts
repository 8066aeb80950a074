import type { DatabaseSync } from 'node:sqlite';
import type { PollerState } from '../../lib/poller/pollerState';

/** Each location's poller state (lib/poller/pollerState.ts), saved with the tick's events. */
export class PollerStateRepo {
  constructor(private readonly db: DatabaseSync) {}

  load(locationId: string): PollerState | null {
    const row = this.db
      .prepare('SELECT state FROM poller_states WHERE location_id = ?')
      .get(locationId) as { state: string } | undefined;
    return row ? (JSON.parse(row.state) as PollerState) : null;
  }

  save(locationId: string, state: PollerState, now: number): void {
    this.db
      .prepare(
        `INSERT INTO poller_states (location_id, state, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (location_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
      )
      .run(locationId, JSON.stringify(state), new Date(now).toISOString());
  }
}
