import type { ParticipantRead } from './callControlApi';

/**
 * The stream's events, applied in the order they arrived while the GETs behind the upserts run
 * side by side. An upsert carries no data (docs/3cx-facts.md §2.2), so each one costs a GET;
 * one GET at a time (3CX's sample does that) cannot keep up with a call centre: 300 calls a
 * minute make some 50 events a second, and the backlog delayed everything by minutes in the
 * benchmark. Here up to `maxInFlight` GETs run at once, and the results are applied strictly in
 * event order, so the tracker sees what it would have seen one at a time.
 *
 * A repeated upsert of an entity whose GET has not started yet is dropped (the GET will show the
 * latest state anyway, §2.4); so is a GET made pointless by the entity's remove behind it.
 */
export interface StreamEvent {
  kind: 'upsert' | 'remove';
  dn: string;
  id: number;
  /** Bridge time at receipt (the stream has no timestamps, §2.4). */
  at: number;
  /** Monotonic ms at receipt: how long ago it really was. */
  mono: number;
}

interface Entry {
  event: StreamEvent;
  read: Promise<ParticipantRead | Error> | null;
}

export class ParticipantReads {
  private readonly entries: Entry[] = [];
  private inFlight = 0;
  private applying = false;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(
    private readonly options: {
      read: (dn: string, id: number) => Promise<ParticipantRead>;
      apply: (event: StreamEvent, read: ParticipantRead | Error | null) => void;
      /** Is this entity known (its remove would make a waiting GET pointless)? */
      knows: (dn: string, id: number) => boolean;
      maxInFlight: number;
    },
  ) {}

  get pending(): number {
    return this.entries.length;
  }

  push(event: StreamEvent): void {
    if (this.stopped) return;
    const waiting = this.entries.findIndex(
      (e) => e.read === null && e.event.kind === 'upsert' && sameEntity(e.event, event),
    );
    if (waiting >= 0) {
      if (event.kind === 'upsert') return;
      if (this.options.knows(event.dn, event.id)) this.entries.splice(waiting, 1);
    }
    this.entries.push({ event, read: null });
    this.startReads();
    void this.applyInOrder();
  }

  /** Drop everything waiting (a new connection: its snapshot is the truth). */
  clear(): void {
    this.entries.length = 0;
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.entries.length = 0;
    return this.idle();
  }

  /** Resolves when nothing is being applied. */
  idle(): Promise<void> {
    if (!this.applying) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private startReads(): void {
    for (const entry of this.entries) {
      if (this.inFlight >= this.options.maxInFlight) return;
      if (entry.read !== null || entry.event.kind !== 'upsert') continue;
      this.inFlight++;
      entry.read = this.options
        .read(entry.event.dn, entry.event.id)
        .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))
        .finally(() => {
          this.inFlight--;
          this.startReads();
        });
    }
  }

  private async applyInOrder(): Promise<void> {
    if (this.applying) return;
    this.applying = true;
    try {
      while (this.entries.length > 0 && !this.stopped) {
        const entry = this.entries[0];
        if (entry.event.kind === 'upsert' && entry.read === null) {
          this.startReads();
          if (entry.read === null) {
            // Every slot is busy with later GETs: wait for one, then start ours.
            await new Promise((r) => setTimeout(r, 1));
            continue;
          }
        }
        const result = entry.read ? await entry.read : null;
        if (this.entries[0] !== entry) continue; // cleared meanwhile
        this.entries.shift();
        this.options.apply(entry.event, result);
      }
    } finally {
      this.applying = false;
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }
}

function sameEntity(a: StreamEvent, b: StreamEvent): boolean {
  return a.dn === b.dn && a.id === b.id;
}
