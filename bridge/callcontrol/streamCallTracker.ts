import { DN_TYPE, type StreamParticipant } from './streamParticipant';
import type { StreamCallFacts } from './fastSettle';

/**
 * What the stream has shown of each call, keyed by the PBX call number (`callid`, shared by all
 * participants of a call, docs/3cx-facts.md §2.3). Participants are kept with the last state a
 * GET returned, because after a remove the GET answers 404 (§2.4); repeated identical upserts
 * change nothing; events are stamped on receipt, the stream has no timestamps (§2.4).
 *
 * It decides nothing about outcomes: it reports a call's first ring (`onStarted`) and a call
 * that has had no live participant for the quiet time (`onQuiet`); fastSettle.ts judges.
 */
export interface TrackedCall extends StreamCallFacts {
  pbxCallId: number;
  participants: Map<string, StreamParticipant>;
  /** Receipt of the first `Ringing` on a monitored extension. */
  firstRingAt: number | null;
  lastChangeAt: number;
  /** Monotonic ms of the last change's receipt: how long ago it really was. */
  lastChangeMono: number;
  /** Extensions that rang, in the order they first rang. */
  agentsRung: string[];
  queue: string | null;
  callerNumber: string;
  callerName: string;
  /** Internal or outbound: not a customer's call, nothing to do. */
  ignored: boolean;
  /** `call.started` went out (or was adopted). */
  started: boolean;
  /** Judged already (fast `call.missed`, or handed to the poller until it rings again). */
  judged: 'missed' | 'log' | null;
}

export interface TrackerOptions {
  now: () => number;
  /** Monotonic ms (default `performance.now`). */
  monotonic?: () => number;
  quietMs: () => number;
  onStarted: (call: TrackedCall) => void;
  onQuiet: (call: TrackedCall) => void;
  /** Timers (tests pass fakes). */
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
}

/** A call with no participant and nothing to wait for is forgotten after this. */
const FORGET_MS = 10 * 60_000;
/** A call still showing participants after this is stale (a lost remove): forgotten too. */
const STALE_MS = 4 * 3600_000;

export class StreamCallTracker {
  private readonly calls = new Map<number, TrackedCall>();
  private readonly byEntity = new Map<string, number>();
  private readonly timers = new Map<number, unknown>();
  private dnTypes = new Map<string, string>();
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(private readonly options: TrackerOptions) {
    this.setTimer =
      options.setTimer ??
      ((fn, ms) => {
        const t = setTimeout(fn, ms);
        t.unref();
        return t;
      });
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
  }

  /** The monitored DNs and their types, from the snapshot. */
  setDnTypes(types: ReadonlyMap<string, string>): void {
    this.dnTypes = new Map(types);
  }

  get size(): number {
    return this.calls.size;
  }

  call(pbxCallId: number): TrackedCall | undefined {
    return this.calls.get(pbxCallId);
  }

  /** Is this participant known (its last state kept)? */
  knows(dn: string, id: number): boolean {
    return this.byEntity.has(entityKey(dn, id));
  }

  /** A participant's state from a GET (after an upsert event or in a snapshot). */
  upsert(p: StreamParticipant, at: number, options: { adopt?: boolean; mono?: number } = {}): void {
    const key = entityKey(p.dn, p.id);
    let call = this.calls.get(p.callid);
    if (!call) {
      call = newCall(p.callid, at, options.mono ?? this.monotonic());
      this.calls.set(p.callid, call);
    }
    this.byEntity.set(key, p.callid);
    call.participants.set(key, p);
    call.lastChangeAt = at;
    call.lastChangeMono = options.mono ?? this.monotonic();
    this.cancelQuiet(call.pbxCallId);
    // Ringing again after a verdict of "the poller decides" (the next queue wave): judge anew.
    if (call.judged === 'log' && !call.personConnected && !call.voicemail && !call.gap)
      call.judged = null;
    this.learn(call, p);
    if (!call.started && call.inbound && !call.ignored && call.firstRingAt !== null) {
      call.started = true;
      // A call first met already connected (the first snapshot) has no known ring time: its
      // call.started comes from the call log, as before (docs/3cx-facts.md §2.3 [3p tcad]).
      if (!options.adopt) this.options.onStarted(call);
    }
  }

  /**
   * A known participant changed (an upsert) but its GET answered 404 or 403: what it became is
   * unknown (answered and hung up before we could look?), so its call is the call log's to judge.
   */
  unreadable(dn: string, id: number): void {
    const callId = this.byEntity.get(entityKey(dn, id));
    const call = callId === undefined ? undefined : this.calls.get(callId);
    if (call) call.gap = true;
  }

  /** A participant removed: by a remove event (`observed`) or found missing in a snapshot. */
  remove(dn: string, id: number, at: number, observed: boolean, mono?: number): void {
    const key = entityKey(dn, id);
    const callId = this.byEntity.get(key);
    if (callId === undefined) return;
    this.byEntity.delete(key);
    const call = this.calls.get(callId);
    if (!call) return;
    const last = call.participants.get(key);
    call.participants.delete(key);
    call.lastChangeAt = at;
    call.lastChangeMono = mono ?? this.monotonic();
    if (!observed) call.gap = true;
    else if (last && this.typeOf(last.dn) === DN_TYPE.external) call.callerRemoved = true;
    if (call.participants.size === 0) this.scheduleQuiet(call);
  }

  /**
   * After (re)connecting: the snapshot is the truth (docs/3cx-facts.md §2.5). Tracked
   * participants it lacks were removed while we could not see (a gap); its participants are
   * upserted; on the first snapshot of a process, calls already connected are adopted silently.
   */
  reconcile(participants: readonly StreamParticipant[], at: number, first: boolean): void {
    const present = new Set(participants.map((p) => entityKey(p.dn, p.id)));
    for (const key of [...this.byEntity.keys()]) {
      if (present.has(key)) continue;
      const [dn, id] = splitKey(key);
      this.remove(dn, id, at, false);
    }
    for (const p of participants) {
      const known = this.byEntity.has(entityKey(p.dn, p.id));
      const adopt =
        first && !known && !this.calls.get(p.callid)?.started && p.status === 'Connected';
      this.upsert(p, at, { adopt });
    }
  }

  /** The call was judged: forget it once nothing more can come of it. */
  judge(call: TrackedCall, verdict: 'missed' | 'log'): void {
    call.judged = verdict;
  }

  /** Drop what can no longer matter (run now and then). */
  prune(): void {
    const now = this.options.now();
    for (const [id, call] of this.calls) {
      const idle = now - call.lastChangeAt;
      if ((call.participants.size === 0 && idle > FORGET_MS) || idle > STALE_MS) {
        for (const key of call.participants.keys()) this.byEntity.delete(key);
        this.cancelQuiet(id);
        this.calls.delete(id);
      }
    }
  }

  clear(): void {
    for (const id of [...this.timers.keys()]) this.cancelQuiet(id);
    this.calls.clear();
    this.byEntity.clear();
  }

  private monotonic(): number {
    return (this.options.monotonic ?? (() => performance.now()))();
  }

  private typeOf(dn: string): string {
    return this.dnTypes.get(dn) ?? '';
  }

  /** What one participant state says about its call. */
  private learn(call: TrackedCall, p: StreamParticipant): void {
    const type = this.typeOf(p.dn);
    if (type === DN_TYPE.voicemail || p.party_dn_type === DN_TYPE.voicemail) call.voicemail = true;
    if (type === DN_TYPE.queue) call.queue ??= p.dn;
    if (p.on_behalf_of_type === DN_TYPE.queue && p.on_behalf_of_dn)
      call.queue ??= p.on_behalf_of_dn;
    // The caller's own participant (trunk DN) only tells when the call is over (remove()).
    if (type === DN_TYPE.external) return;
    const fromOutside = p.party_dn_type === DN_TYPE.external;
    const placedHere = p.originated_by_dn === p.dn || p.status === 'Dialing';
    if (type === DN_TYPE.extension && (!fromOutside || placedHere)) {
      // Extension to extension, or an outbound call: nobody's missed call (docs/design.md).
      if (!call.inbound) call.ignored = true;
      return;
    }
    if (!fromOutside) return;
    call.inbound = true;
    call.ignored = false;
    if (!call.callerNumber) {
      call.callerNumber = p.party_caller_id;
      call.callerName = p.party_caller_name;
    }
    if (type !== DN_TYPE.extension) return;
    if (p.status === 'Ringing' || p.status === 'Connected') {
      call.rangExtension = true;
      call.firstRingAt ??= call.lastChangeAt;
      if (!call.agentsRung.includes(p.dn)) call.agentsRung.push(p.dn);
    }
    if (p.status === 'Connected') call.personConnected = true;
  }

  private scheduleQuiet(call: TrackedCall): void {
    this.cancelQuiet(call.pbxCallId);
    if (call.ignored || !call.started || call.judged !== null) return;
    // The caller's own participant gone is the end of the call: nothing can re-ring, so there
    // is no quiet time to wait (fastSettle.ts).
    const wait = call.callerRemoved ? 0 : this.options.quietMs();
    const handle = this.setTimer(() => {
      this.timers.delete(call.pbxCallId);
      if (call.participants.size === 0 && call.judged === null) this.options.onQuiet(call);
    }, wait);
    this.timers.set(call.pbxCallId, handle);
  }

  private cancelQuiet(pbxCallId: number): void {
    const handle = this.timers.get(pbxCallId);
    if (handle === undefined) return;
    this.clearTimer(handle);
    this.timers.delete(pbxCallId);
  }
}

function newCall(pbxCallId: number, at: number, mono: number): TrackedCall {
  return {
    pbxCallId,
    participants: new Map(),
    firstRingAt: null,
    lastChangeAt: at,
    lastChangeMono: mono,
    agentsRung: [],
    queue: null,
    callerNumber: '',
    callerName: '',
    ignored: false,
    started: false,
    judged: null,
    inbound: false,
    rangExtension: false,
    personConnected: false,
    voicemail: false,
    gap: false,
    callerRemoved: false,
  };
}

function entityKey(dn: string, id: number): string {
  return `${dn}/${id}`;
}

function splitKey(key: string): [string, number] {
  const slash = key.lastIndexOf('/');
  return [key.slice(0, slash), Number(key.slice(slash + 1))];
}
