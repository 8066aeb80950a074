import type { SqlDatabase } from './sql/sqlDatabase';
import { z } from 'zod';
import type { CallTimes, PollerState } from '../../lib/poller/pollerState';
import type { SameType } from '../schemas/typeCheck';
import { prepareAll } from './database';
import { CorruptRowError, parseStoredJson } from './storedJson';

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
 * The small part of `PollerState` (lib/poller/pollerState.ts) stored as JSON; its call keys
 * (`pending`, `finished`) are rows of `poller_call_keys` (schema.ts migration 8). Its `version`
 * is the shape's version: a new shape gets a new version and a migration (schema.ts) or a
 * reader for the old one here.
 */
const storedStateSchema = z.strictObject({
  version: z.literal(1),
  watermark: z.number(),
  activeSince: idsToTimes(),
});
const _same: SameType<
  keyof z.output<typeof storedStateSchema>,
  Exclude<keyof PollerState, CallKeyKind>
> = true;
void _same;

type CallKeyKind = 'pending' | 'finished';
const KINDS: readonly CallKeyKind[] = ['pending', 'finished'];

/** The state this process last read or wrote for a location, and at which revision. */
interface KnownState {
  revision: number;
  /** The stored JSON of the state's small part, as written or read. */
  json: string;
  state: PollerState;
}

/**
 * Each location's poller state (lib/poller/pollerState.ts), saved with the tick's events.
 *
 * Stored incrementally: a busy location's state holds tens of thousands of call keys, and
 * parsing and writing them whole on every poll was the steady state's largest cost after the
 * call log itself (issue 16: 406 KB of JSON per poll). Each key is a row; a save writes the
 * keys that changed since the state this process last loaded or saved, and a load reads the
 * stored state again only when the stored `revision` is not the one this process holds
 * (another process wrote, or the transaction that saved it rolled back) or its JSON is not the
 * one this process wrote: a poll's load is one indexed read and a comparison of short strings.
 */
export class PollerStateRepo {
  private readonly sql;
  private readonly known = new Map<string, KnownState>();

  constructor(private readonly db: SqlDatabase) {
    this.sql = prepareAll(db, {
      load: 'SELECT state, revision FROM poller_states WHERE location_id = ?',
      keys: 'SELECT kind, call_key, at FROM poller_call_keys WHERE location_id = ?',
      save: `INSERT INTO poller_states (location_id, state, updated_at, revision) VALUES (?, ?, ?, 1)
         ON CONFLICT (location_id) DO UPDATE SET state = excluded.state,
           updated_at = excluded.updated_at, revision = poller_states.revision + 1
         RETURNING revision`,
      putKey: `INSERT INTO poller_call_keys (location_id, kind, call_key, at) VALUES (?, ?, ?, ?)
         ON CONFLICT (location_id, kind, call_key) DO UPDATE SET at = excluded.at`,
      dropKey: 'DELETE FROM poller_call_keys WHERE location_id = ? AND kind = ? AND call_key = ?',
      dropAllKeys: 'DELETE FROM poller_call_keys WHERE location_id = ?',
    });
  }

  /**
   * The stored state. It is shared with this repository's memory of what is stored: read it,
   * never change it (its maps are read-only; the poller's `processTick` makes new ones).
   */
  load(locationId: string): PollerState | null {
    const row = this.sql.load.get(locationId) as { state: string; revision: number } | undefined;
    if (!row) return null;
    const known = this.known.get(locationId);
    if (known !== undefined && known.revision === row.revision && known.json === row.state)
      return known.state;
    const rest = parseStoredJson(storedStateSchema, row.state, {
      table: 'poller_states',
      row: `location_id=${locationId}`,
      column: 'state',
    });
    const state: PollerState = {
      version: rest.version,
      watermark: rest.watermark,
      activeSince: new Map(Object.entries(rest.activeSince)),
      ...this.readKeys(locationId),
    };
    this.known.set(locationId, { revision: row.revision, json: row.state, state });
    return state;
  }

  /**
   * Save `state`; call it inside the transaction that stores the tick's events. The state is
   * kept as this process's memory of what is stored (not copied): it must not change after.
   */
  save(locationId: string, state: PollerState, now: number): void {
    const stored = this.sql.load.get(locationId) as { revision: number } | undefined;
    const before = this.known.get(locationId);
    const json = storedStateJson(state);
    const { revision } = this.sql.save.get(locationId, json, new Date(now).toISOString()) as {
      revision: number;
    };
    if (before !== undefined && stored !== undefined && before.revision === stored.revision) {
      this.writeChanges(locationId, 'pending', before.state.pending, state.pending);
      this.writeChanges(locationId, 'finished', before.state.finished, state.finished);
    } else {
      // Nothing known of what is stored: write every key.
      this.db.send(this.sql.dropAllKeys, locationId);
      this.writeChanges(locationId, 'pending', NO_KEYS, state.pending);
      this.writeChanges(locationId, 'finished', NO_KEYS, state.finished);
    }
    this.known.set(locationId, { revision, json, state });
  }

  private writeChanges(
    locationId: string,
    kind: CallKeyKind,
    before: CallTimes,
    after: CallTimes,
  ): void {
    if (before === after) return;
    // Nothing reads their answers: on Postgres they go without a wait (`SqlDatabase.send`).
    for (const key of before.keys())
      if (!after.has(key)) this.db.send(this.sql.dropKey, locationId, kind, key);
    for (const [key, at] of after)
      if (before.get(key) !== at) this.db.send(this.sql.putKey, locationId, kind, key, at);
  }

  private readKeys(locationId: string): Record<CallKeyKind, CallTimes> {
    const keys: Record<CallKeyKind, Map<string, number>> = {
      pending: new Map(),
      finished: new Map(),
    };
    for (const row of this.sql.keys.all(locationId) as Array<{
      kind: CallKeyKind;
      call_key: string;
      at: unknown;
    }>) {
      if (typeof row.at !== 'number' || !KINDS.includes(row.kind))
        throw new CorruptRowError(
          'poller_call_keys',
          `location_id=${locationId} kind=${row.kind} call_key=${row.call_key}`,
          'at',
          'must be a time in ms',
        );
      keys[row.kind].set(row.call_key, row.at);
    }
    return keys;
  }
}

const NO_KEYS: CallTimes = new Map();

/**
 * The stored JSON of the state's small part (`storedStateSchema`), written by hand: an object
 * built with the ids of `activeSince` as keys would cost a V8 hidden class per id (see
 * `CallTimes`).
 */
function storedStateJson(state: PollerState): string {
  const active: string[] = [];
  for (const [id, at] of state.activeSince)
    active.push(`${JSON.stringify(id)}:${JSON.stringify(at)}`);
  return `{"version":${JSON.stringify(state.version)},"watermark":${JSON.stringify(state.watermark)},"activeSince":{${active.join(',')}}}`;
}
