import { z } from 'zod';
import type { SeededRandom } from './seededRandom';
import type { SimClock } from './simClock';

/**
 * Faults a real PBX (or the network in front of it) throws at a client, switched on for a
 * stretch of sim time. Each maps to something the facts sheet names:
 * - `http5xx`: 500/502/503 now and then (a restarting service, the nginx front end);
 * - `gateway504`: the call-log query times out, as big ranges do (docs/3cx-facts.md §1.3 [obs luxzg]);
 * - `slow`: answers delayed by `delayMs` of *real* time (client time-outs are real time);
 * - `unauthorizedStorm`: every XAPI request is 401 and all tokens are revoked, as when a second
 *   consumer takes the client's one token (docs/3cx-facts.md §1.2);
 * - `down`: connections are dropped without an answer (the client sees a network error).
 * Call Control (docs/3cx-facts.md §2.2, §2.5; sim/callcontrol/):
 * - `streamDrop`: every open `/callcontrol/ws` socket is cut at once (no close frame), and new
 *   ones are refused while the fault lasts;
 * - `streamStall`: open sockets go silent (no events, no pongs) and stay so; sockets opened
 *   after the fault ended work again;
 * - `forbidden`: matching requests answer 403 (default: Call Control participant GETs, the
 *   "far-side participant" of §2.4);
 * - `unauthorizedStorm` also closes open Call Control sockets (a token revoked mid-stream).
 * Durations run on the sim clock. Faults never touch `/_sim/*`.
 */
export const faultSpecSchema = z.strictObject({
  kind: z.enum([
    'http5xx',
    'gateway504',
    'slow',
    'unauthorizedStorm',
    'down',
    'streamDrop',
    'streamStall',
    'forbidden',
  ]),
  /** Sim seconds from now; absent = until cleared. */
  forSeconds: z.number().positive().optional(),
  /** Chance that a matching request is hit (default 1). */
  probability: z.number().min(0).max(1).optional(),
  /** `slow`: real milliseconds to hold each answer (default 2000). */
  delayMs: z.number().int().min(0).max(120000).optional(),
  /** Only requests whose path contains one of these (default: all; `gateway504`: the call log). */
  paths: z.array(z.string().min(1)).optional(),
  /** `http5xx`: always this status instead of a random 500/502/503. */
  status: z.union([z.literal(500), z.literal(502), z.literal(503)]).optional(),
});

export type SimFaultSpec = z.infer<typeof faultSpecSchema>;
export type SimFaultKind = SimFaultSpec['kind'];

export interface SimFault extends SimFaultSpec {
  id: string;
  /** Sim ms when it started and ends (null: until cleared). */
  from: number;
  until: number | null;
}

export interface SimFaultView extends SimFault {
  active: boolean;
}

/** What to do with one request. */
export type FaultAction =
  | { kind: 'none' }
  | { kind: 'destroy' }
  | { kind: 'unauthorized' }
  | { kind: 'status'; status: 403 | 500 | 502 | 503 | 504 };

export interface FaultDecision {
  /** Real milliseconds to wait before acting. */
  delayMs: number;
  action: FaultAction;
}

const DEFAULT_SLOW_MS = 2000;
const CALL_LOG_PATH = 'Pbx.GetCallLogData';
const PARTICIPANT_PATH = '/participants/';
export const CALL_CONTROL_SOCKET_PATH = '/callcontrol/ws';

export class SimFaults {
  private faults: SimFault[] = [];
  private counter = 0;
  private readonly listeners: Array<(fault: SimFault) => void> = [];

  constructor(
    private readonly clock: SimClock,
    private readonly random: SeededRandom,
    /** Called when an `unauthorizedStorm` starts: revoke every token. */
    private readonly onStorm: () => void,
  ) {}

  /** Validates (a `ZodError` for a bad spec) and starts the fault now; returns its id. */
  inject(fault: SimFaultSpec): string;
  inject(fault: unknown): string;
  inject(fault: unknown): string {
    const spec = faultSpecSchema.parse(fault);
    const from = this.clock.now();
    const id = `fault-${++this.counter}`;
    const until = spec.forSeconds === undefined ? null : from + Math.round(spec.forSeconds * 1000);
    const started: SimFault = { ...spec, id, from, until };
    this.faults.push(started);
    if (spec.kind === 'unauthorizedStorm') this.onStorm();
    for (const listener of this.listeners) listener(started);
    return id;
  }

  /** Told of every fault as it starts (the Call Control stream drops or stalls its sockets). */
  onInjected(listener: (fault: SimFault) => void): void {
    this.listeners.push(listener);
  }

  /** Is a fault of this kind active now (for `path`, when given)? */
  isActive(kind: SimFaultKind, path?: string): boolean {
    const now = this.clock.now();
    return this.faults.some(
      (f) => f.kind === kind && isActive(f, now) && (path === undefined || appliesTo(f, path)),
    );
  }

  /** Clear one fault (true when it existed) or, without an id, all of them. */
  clear(id?: string): boolean {
    if (id === undefined) {
      const had = this.faults.length > 0;
      this.faults = [];
      return had;
    }
    const before = this.faults.length;
    this.faults = this.faults.filter((f) => f.id !== id);
    return this.faults.length < before;
  }

  list(): SimFaultView[] {
    const now = this.clock.now();
    return this.faults.map((f) => ({ ...f, active: isActive(f, now) }));
  }

  /** The decision for a request to `path` (already decoded, without the query). */
  decide(path: string): FaultDecision {
    const now = this.clock.now();
    // Call Control REST and its socket take the same bearer token as the XAPI (§1.2).
    const isXapi = path.startsWith('/xapi/') || path.startsWith('/callcontrol');
    let delayMs = 0;
    let action: FaultAction = { kind: 'none' };
    const rank = (a: FaultAction) => ({ none: 0, status: 1, unauthorized: 2, destroy: 3 })[a.kind];
    for (const f of this.faults) {
      if (!isActive(f, now) || !appliesTo(f, path)) continue;
      if (f.probability !== undefined && !this.random.chance(f.probability)) continue;
      let next: FaultAction = { kind: 'none' };
      switch (f.kind) {
        case 'slow':
          delayMs = Math.max(delayMs, f.delayMs ?? DEFAULT_SLOW_MS);
          break;
        case 'down':
          next = { kind: 'destroy' };
          break;
        case 'unauthorizedStorm':
          if (isXapi) next = { kind: 'unauthorized' };
          break;
        case 'gateway504':
          next = { kind: 'status', status: 504 };
          break;
        case 'http5xx':
          next = { kind: 'status', status: f.status ?? this.random.pick([500, 502, 503] as const) };
          break;
        case 'forbidden':
          next = { kind: 'status', status: 403 };
          break;
        case 'streamDrop':
          if (path === CALL_CONTROL_SOCKET_PATH) next = { kind: 'destroy' };
          break;
        case 'streamStall':
          break;
      }
      if (rank(next) > rank(action)) action = next;
    }
    return { delayMs, action };
  }
}

function isActive(f: SimFault, now: number): boolean {
  return f.from <= now && (f.until === null || now < f.until);
}

function appliesTo(f: SimFault, path: string): boolean {
  const paths =
    f.paths ??
    (f.kind === 'gateway504'
      ? [CALL_LOG_PATH]
      : f.kind === 'forbidden'
        ? [PARTICIPANT_PATH]
        : undefined);
  return paths === undefined || paths.some((p) => path.includes(p));
}
