import type { BridgeService } from '../bridge/bridgeService';
import type { ParticipantRead } from '../bridge/callcontrol/callControlApi';
import type { LocationStream } from '../bridge/callcontrol/locationStream';
import type { StreamEvent } from '../bridge/callcontrol/participantReads';
import type { TrackedCall } from '../bridge/callcontrol/streamCallTracker';
import type { AttemptResult, DueDelivery } from '../bridge/store/deliveries';
import { StallLog } from './processMeter';
import { percentile } from './report';
import type { Arrival, CallTruth } from './simHost';

/**
 * `BENCH_LATENCY_TIMELINE_MS`: for each Call Control call whose webhook came later than this
 * (ms), the bench prints what happened to it inside the bridge, step by step (BENCHMARKS.md
 * "Call Control latency under contention"): each stream event of its participants as it
 * arrived (and how many events were waiting ahead of it), each participant GET (asked,
 * answered, with what), when the event was applied, the tracker's first ring and quiet time,
 * the store's commit, each delivery attempt and its outcome, the receiver's arrival; beside
 * them the event loop's stalls, the location's `/ActiveCalls` checks and its participant GETs
 * that told nothing (404, 403, failed) over the same span.
 *
 * It wraps the bridge's private parts from outside, as bench/benchBridge.ts's probe does
 * (the bench must not change what it measures): nothing is recorded unless the knob is set.
 */
export function timelineThresholdMs(): number | null {
  const raw = process.env.BENCH_LATENCY_TIMELINE_MS;
  if (raw === undefined || raw === '') return null;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`BENCH_LATENCY_TIMELINE_MS=${raw}`);
  return ms;
}

interface Entry {
  /** `Date.now()` of the step (the sim's truth and the receiver use the same clock). */
  at: number;
  location: string;
  /** The PBX call number, when the step knows it. */
  pbxCallId: number | null;
  /** The event's call id (the stream's `cc-…` or the call log's), when the step knows it. */
  callId: string | null;
  /** A participant (`dn/id`), when the step is about one. */
  entity: string | null;
  text: string;
}

/** Loop stalls over this are noted (ms). */
const STALL_MS = 100;

export class CallTimeline {
  private readonly entries: Entry[] = [];
  private stallLog: StallLog | null = null;
  /** `location|dn/id` → PBX call number, learned from the GETs' answers. */
  private readonly callOfEntity = new Map<string, number>();
  /** Every participant GET: how it ended and how long it took (ms). */
  private readonly reads: Array<{ outcome: string; ms: number }> = [];
  /**
   * Participants born after the snapshot (a larger id: the simulator's ids grow) that
   * were removed without ever being announced by an upsert: with no reconnect, a PBX that sent
   * every change has none (docs/3cx-facts.md §2.2). Per location: the snapshot's largest id,
   * the entities announced, and the count.
   */
  private readonly unannounced = new Map<
    string,
    { snapshotMaxId: number; announced: Set<string>; removed: number }
  >();

  constructor(private readonly thresholdMs: number) {}

  /** Wrap the streams (call after `bridge.start()`: they exist by then) and the delivery worker. */
  attach(bridge: BridgeService, locations: readonly string[]): void {
    const streams = bridge.callControl['streams'];
    for (const location of locations) {
      const running = streams.get(location);
      if (running) this.attachStream(location, running.stream);
    }
    this.attachWorker(bridge);
    this.stallLog = new StallLog(STALL_MS);
  }

  stop(): void {
    this.stallLog?.stop();
  }

  /** The stalls, each stamped with its end on the clock of `Date.now()` (the steps' clock). */
  private stallsEnded(): Array<{ at: number; ms: number }> {
    return (this.stallLog?.stalls ?? []).map((x) => ({
      at: performance.timeOrigin + x.at + x.ms,
      ms: x.ms,
    }));
  }

  private note(
    location: string,
    pbxCallId: number | null,
    entity: string | null,
    text: string,
    at = Date.now(),
    callId: string | null = null,
  ): void {
    this.entries.push({ at, location, pbxCallId, entity, text, callId });
  }

  private attachStream(location: string, stream: LocationStream): void {
    const seen = { snapshotMaxId: Infinity, announced: new Set<string>(), removed: 0 };
    this.unannounced.set(location, seen);
    const api = stream['api'];
    const snapshot = api.snapshot.bind(api);
    api.snapshot = async () => {
      const got = await snapshot();
      seen.snapshotMaxId = Math.max(0, ...got.participants.map((p: { id: number }) => p.id));
      return got;
    };
    const reads = stream['reads'];
    const push = reads.push.bind(reads);
    reads.push = (event: StreamEvent) => {
      const key = `${event.dn}/${event.id}`;
      if (event.kind === 'upsert') seen.announced.add(key);
      else if (event.id > seen.snapshotMaxId && !seen.announced.has(key)) seen.removed++;
      this.note(
        location,
        null,
        `${event.dn}/${event.id}`,
        `stream ${event.kind} received (${reads.pending} events waiting ahead)`,
        event.at,
      );
      push(event);
    };
    const options = reads['options'];
    const read = options.read;
    options.read = async (dn: string, id: number): Promise<ParticipantRead> => {
      const entity = `${dn}/${id}`;
      this.note(location, null, entity, 'participant GET asked');
      const asked = performance.now();
      try {
        const answer = await read(dn, id);
        this.reads.push({ outcome: answer.kind, ms: performance.now() - asked });
        if (answer.kind === 'ok')
          this.callOfEntity.set(`${location}|${entity}`, answer.participant.callid);
        const what =
          answer.kind === 'ok'
            ? `${answer.participant.status}, callid ${answer.participant.callid}`
            : answer.kind;
        this.note(location, null, entity, `participant GET answered: ${what}`);
        return answer;
      } catch (error) {
        this.reads.push({ outcome: 'failed', ms: performance.now() - asked });
        this.note(location, null, entity, `participant GET failed: ${String(error)}`);
        throw error;
      }
    };
    const apply = options.apply;
    options.apply = (event: StreamEvent, answer: ParticipantRead | Error | null) => {
      const waited = Date.now() - event.at;
      this.note(
        location,
        null,
        `${event.dn}/${event.id}`,
        `${event.kind} applied, ${waited} ms after receipt`,
      );
      apply(event, answer);
    };
    const tracker = stream['tracker']['options'];
    const onStarted = tracker.onStarted;
    tracker.onStarted = (call: TrackedCall) => {
      this.note(location, call.pbxCallId, null, 'first ring seen: call.started to commit');
      onStarted(call);
    };
    const onQuiet = tracker.onQuiet;
    tracker.onQuiet = (call: TrackedCall) => {
      const since = Math.round(performance.now() - call.lastChangeMono);
      this.note(
        location,
        call.pbxCallId,
        null,
        `quiet (last change ${since} ms ago; callerRemoved ${call.callerRemoved}, queue ${call.queue ?? '-'})`,
      );
      onQuiet(call);
    };
    const activeCallIds = stream['activeCallIds'].bind(stream);
    stream['activeCallIds'] = (quietSince: number) => {
      const reused = stream['activeRead'] !== null && stream['activeRead'].startedAt >= quietSince;
      const ids = activeCallIds(quietSince);
      if (!reused) {
        this.note(location, null, null, '/ActiveCalls check asked');
        void ids.then(
          (set: Set<string>) =>
            this.note(location, null, null, `/ActiveCalls check answered (${set.size} calls)`),
          (error: unknown) =>
            this.note(location, null, null, `/ActiveCalls check failed: ${String(error)}`),
        );
      }
      return ids;
    };
    type Commit = (events: Array<{ type: string; call: { call_id: string } }>) => Promise<void>;
    const commit = (stream['commit'] as unknown as Commit).bind(stream);
    (stream as unknown as { commit: Commit }).commit = async (events) => {
      const ids = new Set(events.map((e) => e.call.call_id));
      const types = events.map((e) => e.type).join(', ');
      for (const id of ids)
        this.note(location, null, null, `commit asked: ${types}`, Date.now(), id);
      await commit(events);
      for (const id of ids)
        this.note(location, null, null, 'commit done (stored, worker poked)', Date.now(), id);
    };
  }

  private attachWorker(bridge: BridgeService): void {
    const worker = bridge.worker;
    type Attempt = (lane: unknown, delivery: DueDelivery) => Promise<void>;
    type Settle = (
      lane: unknown,
      delivery: DueDelivery,
      result: AttemptResult,
      retryAfter: number | null,
      detail: string | null,
    ) => void;
    const open = worker as unknown as { attempt: Attempt; settle: Settle };
    const attempt = open.attempt.bind(worker);
    open.attempt = async (lane, delivery) => {
      this.note(
        delivery.locationId,
        null,
        null,
        `delivery ${delivery.eventType} attempt ${delivery.attempts + 1} started`,
        Date.now(),
        callIdOfPayload(delivery.payload),
      );
      await attempt(lane, delivery);
    };
    const settle = open.settle.bind(worker);
    open.settle = (lane, delivery, result, retryAfter, detail) => {
      this.note(
        delivery.locationId,
        null,
        null,
        `delivery ${delivery.eventType} attempt answered: ${result.statusCode ?? result.error} in ${Math.round(result.durationMs)} ms${detail ? ` (${detail})` : ''}`,
        Date.now(),
        callIdOfPayload(delivery.payload),
      );
      settle(lane, delivery, result, retryAfter, detail);
    };
  }

  /** GETs by outcome, and their time (ms) p50 / p99 / max. */
  private readSummary(): string {
    const by = new Map<string, number>();
    for (const r of this.reads) by.set(r.outcome, (by.get(r.outcome) ?? 0) + 1);
    const ms = this.reads.map((r) => r.ms);
    const at = (q: number) => (ms.length ? percentile(ms, q) : 0);
    const counts = [...by].map(([k, n]) => `${k} ${n}`).join(', ');
    return `${counts || 'none'}; ms p50 ${at(50).toFixed(1)}, p99 ${at(99).toFixed(1)}, max ${at(100).toFixed(1)}`;
  }

  /**
   * The timelines of calls slower than the threshold: `late` lists each slow call with the
   * measure it was slow on, its reference time (hang-up or first ring) and the arrival.
   */
  report(
    late: Array<{ measure: string; truth: CallTruth; from: number; arrival: Arrival }>,
    locations: readonly string[],
    /** The PBX call number of an event call id at a location (either source's id). */
    pbxCallOf: (location: string, callId: string) => number | undefined,
  ): string {
    const stalls = this.stallsEnded();
    const longest = Math.round(Math.max(0, ...stalls.map((x) => x.ms)));
    const lines: string[] = [
      `\n[timeline] participant GETs: ${this.readSummary()}`,
      `[timeline] event-loop stalls over ${STALL_MS} ms in the run: ${stalls.length}, longest ${longest} ms`,
      `[timeline] participants removed without an upsert: ${[...this.unannounced.values()].reduce((n, u) => n + u.removed, 0)}`,
    ];
    const slow = late.filter((l) => l.arrival.at - l.from > this.thresholdMs);
    if (slow.length === 0)
      return `${lines.join('\n')}\n[timeline] no call over ${this.thresholdMs} ms\n`;
    lines.push(
      `\n[timeline] ${slow.length} calls over ${this.thresholdMs} ms (times: s from the reference)`,
    );
    for (const { measure, truth, from, arrival } of slow.slice(0, 20)) {
      const location = locations[truth.sim];
      const s = (at: number) => ((at - from) / 1000).toFixed(3).padStart(8);
      lines.push(
        `\n--- ${measure}: call ${truth.callId} (${truth.kind}, ${truth.outcome}) late ${((arrival.at - from) / 1000).toFixed(3)} s; started ${s(truth.startedAt)}, first ring ${truth.firstRingAt === null ? '-' : s(truth.firstRingAt)}, hang-up ${s(truth.endedAt)}`,
      );
      const belongs = (e: Entry) =>
        e.location === location &&
        (e.pbxCallId === truth.callId ||
          (e.callId !== null && pbxCallOf(location, e.callId) === truth.callId) ||
          (e.entity !== null && this.callOfEntity.get(`${location}|${e.entity}`) === truth.callId));
      const span = (e: { at: number }) => e.at >= from - 3000 && e.at <= arrival.at + 500;
      const steps: Array<{ at: number; text: string }> = [];
      for (const e of this.entries.filter((x) => belongs(x) && span(x)))
        steps.push({ at: e.at, text: `${e.entity ? `${e.entity} ` : ''}${e.text}` });
      steps.push({ at: arrival.at, text: `receiver: ${arrival.event} arrived` });
      for (const st of stalls.filter(span))
        steps.push({
          at: st.at,
          text: `(event loop stalled ${Math.round(st.ms)} ms, ending here)`,
        });
      // The location's `/ActiveCalls` checks, and GETs that told nothing (404, 403, failed):
      // a participant read too late is how a call can pass the stream by unseen.
      const context = this.entries.filter(
        (x) =>
          x.location === location &&
          span(x) &&
          !belongs(x) &&
          (x.text.startsWith('/ActiveCalls') || / answered: (gone|hidden)| failed/.test(x.text)),
      );
      for (const c of context)
        steps.push({ at: c.at, text: `(location) ${c.entity ? `${c.entity} ` : ''}${c.text}` });
      steps.sort((a, b) => a.at - b.at);
      for (const step of steps) lines.push(`${s(step.at)}  ${step.text}`);
      // What else the location's stream did meanwhile: the queue ahead of the slow call's events.
      const busy = this.entries.filter(
        (x) => x.location === location && x.text.startsWith('stream ') && span(x) && !belongs(x),
      );
      const waits = busy.map((x) => Number(/\((\d+) events/.exec(x.text)?.[1] ?? 0));
      if (busy.length > 0)
        lines.push(
          `          (location) ${busy.length} other stream events in the span, up to ${Math.max(...waits)} waiting ahead`,
        );
    }
    if (slow.length > 20) lines.push(`\n[timeline] … and ${slow.length - 20} more`);
    return `${lines.join('\n')}\n`;
  }
}

function callIdOfPayload(payload: string): string | null {
  const m = /"call_id":"([^"]+)"/.exec(payload);
  return m ? m[1] : null;
}
