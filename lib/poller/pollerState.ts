import type { CallEventType } from '../callEvent';
import type { CallFacts } from '../settledCall';

/**
 * What a location's poller remembers between ticks and across restarts. Small on purpose: it
 * is written in the same transaction as the events of the tick (the bridge's outbox), so
 * "state advanced" and "events stored" can never disagree after a crash.
 */
export interface PollerState {
  version: 1;
  /**
   * Everything that started before this (ms) has been read, and every call it holds has been
   * dealt with. The next read starts at `watermark − overlap`. It never passes the start of a
   * call still pending or active.
   */
  watermark: number;
  /** Calls seen but not settled (their `call.started` is out): call key → first leg start. */
  pending: CallTimes;
  /** Calls settled and emitted, still inside the re-read window: call key → end (ms). */
  finished: CallTimes;
  /** `/ActiveCalls` ids → when first seen active: holds the watermark for calls with no leg yet. */
  activeSince: CallTimes;
}

/**
 * Call keys (or ids) → a time in ms. A `Map`, not an object: call ids as an object's keys gave
 * every location's `finished` and `pending` their own chain of V8 hidden classes, one per key
 * added, allocated straight into the old generation on every poll: 48 of the bridge's 183 MB
 * of heap at 200 PBXs x 30 calls/min, and the major GCs that held its event loop 80–390 ms
 * (issue 16, BENCHMARKS.md). Read-only: a tick makes a new one (lib/poller/pollTick.ts), so a
 * store may keep the one it was given.
 */
export type CallTimes = ReadonlyMap<string, number>;

/** One event the poller emits: the type and the call it is about, its times as ISO text. */
export interface PollerEvent {
  type: CallEventType;
  call: CallFacts;
}

/** Where the poller keeps its state; the bridge implements it over its store, tests in memory. */
export interface PollerStore {
  load(): Promise<PollerState | null>;
  /**
   * Store the tick's events and the new state atomically. Events are idempotent by id
   * (`{call_id}:{event}`): storing one twice keeps the first.
   */
  commit(state: PollerState, events: readonly PollerEvent[]): Promise<void>;
}

export function initialPollerState(watermark: number): PollerState {
  return { version: 1, watermark, pending: new Map(), finished: new Map(), activeSince: new Map() };
}

/** A `PollerStore` in memory: for tests and the `calls` command. */
export class MemoryPollerStore implements PollerStore {
  state: PollerState | null = null;
  readonly events: PollerEvent[] = [];
  private readonly ids = new Set<string>();

  async load(): Promise<PollerState | null> {
    return this.state === null ? null : structuredClone(this.state);
  }

  async commit(state: PollerState, events: readonly PollerEvent[]): Promise<void> {
    for (const event of events) {
      const id = `${event.call.call_id}:${event.type}`;
      if (this.ids.has(id)) continue;
      this.ids.add(id);
      this.events.push(event);
    }
    this.state = structuredClone(state);
  }
}
