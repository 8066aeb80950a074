import type { SqlDatabase } from './sql/sqlDatabase';
import { z } from 'zod';
import type { PollerState } from '../../lib/poller/pollerState';
import type { SameType } from '../schemas/typeCheck';
import { prepareAll } from './database';
import { parseStoredJson } from './storedJson';

/**
 * An object of call ids to times (ms). Checked in place: a busy PBX's state holds tens of
 * thousands of ids and is loaded on every poll, and `z.record` would copy it (measured: three
 * times the cost of `JSON.parse` itself; this check costs less than the parse).
 */
function idsToTimes() {
  return z.custom<Record<string, number>>((value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    for (const id in value)
      if (typeof (value as Record<string, unknown>)[id] !== 'number') return false;
    return true;
  }, 'must map call ids to times in ms');
}

/**
 * `PollerState` (lib/poller/pollerState.ts) as stored. Its `version` is the shape's version:
 * a new shape gets a new version and a migration (schema.ts) or a reader for the old one here.
 */
const pollerStateSchema = z.strictObject({
  version: z.literal(1),
  watermark: z.number(),
  pending: idsToTimes(),
  finished: idsToTimes(),
  activeSince: idsToTimes(),
});
const _same: SameType<z.output<typeof pollerStateSchema>, PollerState> = true;
void _same;

/** Each location's poller state (lib/poller/pollerState.ts), saved with the tick's events. */
export class PollerStateRepo {
  private readonly sql;

  constructor(db: SqlDatabase) {
    this.sql = prepareAll(db, {
      load: 'SELECT state FROM poller_states WHERE location_id = ?',
      save: `INSERT INTO poller_states (location_id, state, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (location_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
    });
  }

  load(locationId: string): PollerState | null {
    const row = this.sql.load.get(locationId) as { state: string } | undefined;
    if (!row) return null;
    return parseStoredJson(pollerStateSchema, row.state, {
      table: 'poller_states',
      row: `location_id=${locationId}`,
      column: 'state',
    });
  }

  save(locationId: string, state: PollerState, now: number): void {
    this.sql.save.run(locationId, JSON.stringify(state), new Date(now).toISOString());
  }
}
