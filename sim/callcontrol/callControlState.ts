import type { PbxDirectory } from '../pbxDirectory';
import type { SimCall } from '../simCall';
import type { SimPbx } from '../simPbx';
import {
  CALL_CONTROL_DN_TYPE,
  callParticipantSpans,
  deviceId,
  VOICEMAIL_MENU_DN,
  type CallControlParticipant,
  type ParticipantSpan,
} from './participantTimeline';

/** One change of a participant, in the order the PBX makes them. */
export interface ParticipantChange {
  at: number;
  kind: 'upsert' | 'remove';
  dn: string;
  id: number;
  /** The state after an upsert; the last state before a remove. */
  participant: CallControlParticipant;
}

/** `DnInfo` of the snapshot (docs/3cx-facts.md §2.1 "Snapshot"). */
export interface DnInfo {
  dn: string;
  type: string;
  devices: Array<{ dn: string; device_id: string; user_agent: string }>;
  participants: CallControlParticipant[];
}

interface PendingChange {
  at: number;
  /** Ties: upserts before removes (a transfer's target rings before the transferrer goes). */
  rank: number;
  seq: number;
  change: ParticipantChange;
}

/**
 * The Call Control view of the simulated PBX: which participants are live now and what changed
 * since the last look. Calls come from `SimPbx` (traffic included) as they are placed; their
 * participants are derived once (participantTimeline.ts) and played out as the sim clock passes.
 * `advance()` moves the view to the clock's now and returns the changes in between, in time
 * order: the stream hub sends them, the REST routes answer from the view.
 */
export class CallControlState {
  private readonly heap: PendingChange[] = [];
  private readonly live = new Map<string, CallControlParticipant>();
  private seenCalls = 0;
  private seq = 0;
  private nextId = 1;
  private last: number;

  constructor(
    private readonly pbx: SimPbx,
    private readonly directory: PbxDirectory,
    private readonly devicesOf: (dn: string) => number,
    private readonly now: () => number,
  ) {
    this.last = now();
  }

  /** Bring the view to now; the changes since the previous call, oldest first. */
  advance(): ParticipantChange[] {
    // The time of this look is read before the traffic due by then is placed: read after, the
    // view moved past calls that began while the traffic was being placed (or while this
    // process was descheduled in between), which were placed at the next look as calls of the
    // past, their participants' first states applied without events. The stream reports every
    // change while the socket is open (docs/3cx-facts.md §2.2); the bridge then never saw those
    // calls ring and left them to the call log, 10–16 s late (BENCHMARKS.md "Call Control
    // latency under contention").
    const now = this.now();
    // Only the calls placed since the last look: copying every call 50 times a second per PBX
    // was an eighth of the 200-PBX bench host's CPU (issue 16).
    const calls = this.pbx.callsSince(this.seenCalls);
    for (const call of calls) this.add(call);
    this.seenCalls += calls.length;
    const changes: ParticipantChange[] = [];
    while (this.heap.length > 0 && this.heap[0].at <= now) {
      const { change } = this.pop();
      const key = keyOf(change.dn, change.id);
      if (change.kind === 'upsert') this.live.set(key, change.participant);
      else this.live.delete(key);
      changes.push(change);
    }
    // A clock set backwards leaves the view where it was: the stream cannot unsay events.
    this.last = Math.max(this.last, now);
    return changes;
  }

  participant(dn: string, id: number): CallControlParticipant | null {
    return this.live.get(keyOf(dn, id)) ?? null;
  }

  participantsOf(dn: string): CallControlParticipant[] {
    const found: CallControlParticipant[] = [];
    for (const p of this.live.values()) if (p.dn === dn) found.push(p);
    return found.sort((a, b) => a.id - b.id);
  }

  /** `GET /callcontrol`: every DN the client monitors, plus its own route point. */
  snapshot(routePointDn: string, monitored: readonly string[]): DnInfo[] {
    const infos: DnInfo[] = [
      { dn: routePointDn, type: CALL_CONTROL_DN_TYPE.routePoint, devices: [], participants: [] },
    ];
    for (const dn of monitored) infos.push(this.dnInfo(dn));
    return infos;
  }

  dnInfo(dn: string): DnInfo {
    return {
      dn,
      type: this.dnType(dn),
      devices: this.devices(dn),
      participants: this.participantsOf(dn),
    };
  }

  /** The DN's Call Control type; null for a DN this PBX does not have. */
  dnType(dn: string): string {
    const c = this.directory.config;
    if (this.directory.hasExtension(dn)) return CALL_CONTROL_DN_TYPE.extension;
    if (c.queues.some((q) => q.dn === dn)) return CALL_CONTROL_DN_TYPE.queue;
    if (c.ringGroups.some((g) => g.dn === dn)) return CALL_CONTROL_DN_TYPE.ringGroup;
    if (c.ivrs.some((i) => i.dn === dn)) return CALL_CONTROL_DN_TYPE.ivr;
    if (c.trunks.some((t) => t.dn === dn)) return CALL_CONTROL_DN_TYPE.external;
    if (dn === VOICEMAIL_MENU_DN) return CALL_CONTROL_DN_TYPE.voicemail;
    return CALL_CONTROL_DN_TYPE.extension;
  }

  /** Does this PBX have the DN (for the monitored-extension list)? */
  hasDn(dn: string): boolean {
    const c = this.directory.config;
    return (
      this.directory.hasExtension(dn) ||
      dn === VOICEMAIL_MENU_DN ||
      [...c.queues, ...c.ringGroups, ...c.ivrs, ...c.trunks].some((x) => x.dn === dn)
    );
  }

  private devices(dn: string): DnInfo['devices'] {
    if (!this.directory.hasExtension(dn)) return [];
    const count = Math.max(1, this.devicesOf(dn));
    return Array.from({ length: count }, (_, i) => ({
      dn,
      device_id: deviceId(dn, i),
      user_agent: i === 0 ? 'Yealink SIP-T46U' : '3CX Android',
    }));
  }

  private add(call: SimCall): void {
    const spans = callParticipantSpans(call, {
      directory: this.directory,
      devicesOf: this.devicesOf,
      nextParticipantId: () => this.nextId++,
    });
    for (const span of spans) this.schedule(span);
  }

  /**
   * Queue a span's changes from `last` on (a call placed now rings now); a span already under
   * way when its call was placed (a script or traffic set in the past) starts from its state
   * then, without events: the stream never reports the past.
   */
  private schedule(span: ParticipantSpan): void {
    if (span.to <= this.last) return;
    let current: CallControlParticipant | null = null;
    for (const state of span.states) {
      if (state.at < this.last) {
        current = state.participant;
        continue;
      }
      this.push(state.at, 0, {
        at: state.at,
        kind: 'upsert',
        dn: span.dn,
        id: span.id,
        participant: state.participant,
      });
      current = state.participant;
    }
    const startedBefore = span.states.filter((s) => s.at < this.last);
    if (startedBefore.length > 0)
      this.live.set(keyOf(span.dn, span.id), startedBefore[startedBefore.length - 1].participant);
    this.push(span.to, 1, {
      at: span.to,
      kind: 'remove',
      dn: span.dn,
      id: span.id,
      participant: current ?? span.states[span.states.length - 1].participant,
    });
  }

  // --- a binary heap ordered by (at, rank, seq) ---------------------------------------------

  private push(at: number, rank: number, change: ParticipantChange): void {
    const item = { at, rank, seq: this.seq++, change };
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i], h[parent])) break;
      [h[i], h[parent]] = [h[parent], h[i]];
      i = parent;
    }
  }

  private pop(): PendingChange {
    const h = this.heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && before(h[l], h[m])) m = l;
        if (r < h.length && before(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}

function before(a: PendingChange, b: PendingChange): boolean {
  if (a.at !== b.at) return a.at < b.at;
  if (a.rank !== b.rank) return a.rank < b.rank;
  return a.seq < b.seq;
}

function keyOf(dn: string, id: number): string {
  return `${dn}/${id}`;
}
