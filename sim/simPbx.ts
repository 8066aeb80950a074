import type { CallLeg } from '../lib/threecx/callLeg';
import { formatIsoDuration } from '../lib/duration';
import { CallScriptError, parseCallScript, type CallScript } from './callScript';
import type { CdrIdAllocator } from './cdrIds';
import type { CountryDialling } from './countryDialling';
import { formatODataDateTime } from './odataTime';
import type { OfficeSchedule } from './officeSchedule';
import type { PbxDirectory } from './pbxDirectory';
import { planCall } from './planCall';
import type { SeededRandom } from './seededRandom';
import type { SimCall, SimLeg } from './simCall';
import type { SimClock } from './simClock';
import { TrafficGenerator, type TrafficOptions, type TrafficState } from './trafficGenerator';

/** `Pbx.ActiveCall` (docs/xapi-schemas.md §2.3), keys in spec order. */
export interface ActiveCallRow {
  Callee?: string;
  Caller?: string;
  EstablishedAt?: string;
  Id: number;
  LastChangeStatus?: string;
  ServerNow?: string;
  Status?: 'Ringing' | 'Talking';
}

/** `Pbx.InboundCall` (docs/xapi-schemas.md §2.4, SPEC-B), keys in spec order, nulls omitted. */
export interface InboundCallRow {
  CallDuration?: string;
  CallHistoryId?: string;
  CdrId?: string;
  DestinationCallerId?: string;
  DestinationDisplayName?: string;
  DestinationDn?: string;
  Did?: string;
  QualityReport?: boolean;
  RecordingId?: number;
  RecordingUrl?: string;
  RingingDuration?: string;
  RuleName?: string;
  SourceCallerId?: string;
  SourceDisplayName?: string;
  SourceDn?: string;
  StartTime: string;
  Status?: string;
  TalkingDuration?: string;
  TrunkName?: string;
  TrunkNumber?: string;
}

/** `Pbx.AbandonedQueueCalls` (docs/xapi-schemas.md §2.8), keys in spec order, nulls omitted. */
export interface AbandonedQueueCallRow {
  CallerId?: string;
  CallHistoryId?: string;
  CallTime?: string;
  CallTimeForCsv?: string;
  ExtensionDisplayName?: string;
  ExtensionDn?: string;
  IsLoggedIn?: boolean;
  PollingAttempts?: number;
  QueueDisplayName?: string;
  QueueDn: string;
  WaitTime?: string;
}

export interface CallLogOptions {
  /**
   * The call-log request's `hidePcalls` (docs/3cx-facts.md §1.3). Real logs read with `true`
   * lack the queue polls nobody answered (§8); what `false` shows is not documented, and the
   * simulator then serves those polls as ordinary unanswered agent legs [inf].
   */
  hidePcalls: boolean;
}

export interface SimPbxDependencies {
  clock: SimClock;
  directory: PbxDirectory;
  country: CountryDialling;
  schedule: OfficeSchedule;
  ids: CdrIdAllocator;
  /** For what manual scripts leave open (random callers). Traffic has its own. */
  random: SeededRandom;
  withHistoryIds: boolean;
  /** Seed for traffic when `startTraffic` is given none. */
  trafficSeed: number;
  /** CDRs are written when a leg ends; a positive delay models a PBX that logs late (docs/3cx-facts.md §6). */
  callLogDelayMs: number;
  onTrafficError?: (error: Error, script: CallScript) => void;
}

/**
 * The simulated PBX: the calls placed on it and what the XAPI shows of them at a given moment.
 *
 * Liveness is the point (docs/3cx-facts.md §6): a leg reaches the call log only once it has ended,
 * while any leg of its call is live the call is in `/ActiveCalls`. So a call going from a
 * queue to voicemail shows its unanswered queue and agent legs in the log while it is still
 * active, the race the bridge's settle engine must survive.
 */
export class SimPbx {
  private readonly placed: SimCall[] = [];
  private readonly byId = new Map<number, SimCall>();
  /** Every leg, ordered by start time then placement: the call log's natural order. */
  private readonly legIndex: SimLeg[] = [];
  /** Calls ordered by start time, for the active-call scan. */
  private readonly callIndex: SimCall[] = [];
  private longestCallMs = 0;
  /** Inbound-report rows of calls whose legs are all logged (`inboundCallRowAt`). */
  private readonly finalInboundRows = new WeakMap<SimCall, InboundCallRow>();
  private traffic: TrafficGenerator | null = null;

  constructor(private readonly deps: SimPbxDependencies) {}

  /**
   * Validate and place a call; its legs play out as the clock runs. Throws `CallScriptError`
   * for a script that is malformed or cannot be played (the control API answers 400). Untyped
   * input (JSON, loosely typed literals) is accepted and validated the same way.
   */
  placeCall(script: CallScript): SimCall;
  placeCall(script: unknown): SimCall;
  placeCall(script: unknown): SimCall {
    this.syncTraffic();
    return this.place(parseCallScript(script), this.deps.random);
  }

  /** Every call placed so far (traffic included), in placement order. */
  calls(): SimCall[] {
    this.syncTraffic();
    return this.placed.slice();
  }

  /**
   * The calls placed after the first `seen` (traffic included), in placement order: for a
   * watcher that looks often (the Call Control view every 20 ms) and must not copy them all.
   */
  callsSince(seen: number): SimCall[] {
    this.syncTraffic();
    return seen >= this.placed.length ? [] : this.placed.slice(seen);
  }

  call(callId: number): SimCall | undefined {
    this.syncTraffic();
    return this.byId.get(callId);
  }

  startTraffic(options: TrafficOptions): TrafficState {
    this.syncTraffic();
    const d = this.deps;
    this.traffic = new TrafficGenerator(
      { ...options, seed: options.seed ?? d.trafficSeed },
      d.clock.now(),
      d.directory,
      d.country,
      d.schedule,
    );
    return this.traffic.state();
  }

  stopTraffic(): void {
    this.syncTraffic();
    this.traffic = null;
  }

  trafficState(): TrafficState | null {
    this.syncTraffic();
    return this.traffic ? this.traffic.state() : null;
  }

  // --- what the XAPI sees ----------------------------------------------------------------------

  /** Ended legs with `StartTime` in [from, to), in the log's natural order. */
  callLog(fromMs: number, toMs: number, options: CallLogOptions = { hidePcalls: true }): CallLeg[] {
    const now = this.syncTraffic();
    const rows: CallLeg[] = [];
    for (let i = lowerBound(this.legIndex, fromMs); i < this.legIndex.length; i++) {
      const leg = this.legIndex[i];
      if (leg.startedAt >= toMs) break;
      if (options.hidePcalls && leg.queuePoll) continue;
      if (this.isLogged(leg, now)) rows.push(leg.row);
    }
    return rows;
  }

  /**
   * The Abandoned Queue Calls report (docs/3cx-facts.md §1.7, docs/xapi-schemas.md §2.8): for
   * every call whose caller hung up in one of `queueDns` (all queues when empty [inf]) after
   * waiting at least `minWaitSeconds`, entered in [from, to), one row per agent of the queue
   * with how often it was polled (0 included: the report's "Agent State" column suggests the
   * queue's agents are listed [inf]). Only the first row of a call carries `CallTime` [obs bonv].
   */
  abandonedQueueCalls(
    fromMs: number,
    toMs: number,
    queueDns: readonly string[],
    minWaitSeconds: number,
  ): AbandonedQueueCallRow[] {
    const now = this.syncTraffic();
    const rows: AbandonedQueueCallRow[] = [];
    for (
      let i = lowerBound(this.callIndex, fromMs - this.longestCallMs);
      i < this.callIndex.length;
      i++
    ) {
      const call = this.callIndex[i];
      if (call.startedAt >= toMs) break;
      const visit = call.queueVisit;
      if (visit === null || !visit.abandoned) continue;
      if (visit.enteredAt < fromMs || visit.enteredAt >= toMs) continue;
      if (queueDns.length > 0 && !queueDns.includes(visit.queue)) continue;
      if (visit.leftAt + this.deps.callLogDelayMs > now) continue;
      const waitSeconds = (visit.leftAt - visit.enteredAt) / 1000;
      if (waitSeconds < minWaitSeconds) continue;
      visit.polls.forEach((poll, n) => {
        rows.push({
          CallerId: call.caller,
          CallHistoryId: call.callHistoryId ?? undefined,
          CallTime: n === 0 ? formatODataDateTime(visit.enteredAt) : undefined,
          CallTimeForCsv: formatODataDateTime(visit.enteredAt),
          ExtensionDisplayName: poll.agentName,
          ExtensionDn: poll.agent,
          IsLoggedIn: true,
          PollingAttempts: poll.attempts,
          QueueDisplayName: visit.queueName,
          QueueDn: visit.queue,
          WaitTime: formatIsoDuration(waitSeconds),
        });
      });
    }
    for (const row of rows) {
      for (const key of Object.keys(row) as (keyof AbandonedQueueCallRow)[]) {
        if (row[key] === undefined) delete row[key];
      }
    }
    return rows;
  }

  /** Calls with a live leg now: started, not yet hung up. */
  activeCalls(): ActiveCallRow[] {
    const now = this.syncTraffic();
    const rows: ActiveCallRow[] = [];
    const end = upperBound(this.callIndex, now);
    for (let i = end - 1; i >= 0; i--) {
      const call = this.callIndex[i];
      if (call.startedAt < now - this.longestCallMs) break;
      if (call.endedAt > now) rows.push(activeCallRow(call, now));
    }
    return rows.reverse();
  }

  activeCallCount(): number {
    return this.activeCalls().length;
  }

  /**
   * One row per inbound call started in [from, to), once its first leg is in the log; the
   * totals cover the legs logged so far. `trunkDns` empty = all trunks.
   */
  inboundCalls(fromMs: number, toMs: number, trunkDns: readonly string[]): InboundCallRow[] {
    const now = this.syncTraffic();
    const rows: InboundCallRow[] = [];
    for (let i = lowerBound(this.callIndex, fromMs); i < this.callIndex.length; i++) {
      const call = this.callIndex[i];
      if (call.startedAt >= toMs) break;
      if (call.did === null || !this.isLogged(call.legs[0], now)) continue;
      const did = this.deps.directory.did(call.did);
      if (trunkDns.length > 0 && !trunkDns.includes(did.trunkDn)) continue;
      rows.push(this.inboundCallRowAt(call, now));
    }
    return rows;
  }

  /** Start time of the newest logged leg (`LastCdrAndChatMessageTimestamp`), null when none. */
  lastCdrStartedAt(): number | null {
    const now = this.syncTraffic();
    for (let i = upperBound(this.legIndex, now) - 1; i >= 0; i--) {
      const leg = this.legIndex[i];
      if (this.isLogged(leg, now)) return leg.startedAt;
    }
    return null;
  }

  // --- internals -------------------------------------------------------------------------------

  private isLogged(leg: SimLeg, now: number): boolean {
    return leg.endedAt + this.deps.callLogDelayMs <= now;
  }

  /** Places every traffic call due by now; returns now. */
  private syncTraffic(): number {
    const now = this.deps.clock.now();
    if (this.traffic) {
      // A placed call can plan follow-ups that are already due: place until none are.
      for (let due = this.traffic.takeDue(now); due.length > 0; due = this.traffic.takeDue(now)) {
        for (const script of due) {
          try {
            this.traffic.placed(this.place(script, this.traffic.random));
          } catch (error) {
            if (!(error instanceof CallScriptError)) throw error;
            this.deps.onTrafficError?.(error, script);
          }
        }
      }
    }
    return now;
  }

  private place(script: CallScript, random: SeededRandom): SimCall {
    const d = this.deps;
    const call = planCall(script, {
      directory: d.directory,
      country: d.country,
      ids: d.ids,
      random,
      withHistoryIds: d.withHistoryIds,
      now: d.clock.now(),
    });
    this.placed.push(call);
    this.byId.set(call.callId, call);
    this.callIndex.splice(upperBound(this.callIndex, call.startedAt), 0, call);
    this.longestCallMs = Math.max(this.longestCallMs, call.endedAt - call.startedAt);
    for (const leg of call.legs) {
      this.legIndex.splice(upperBound(this.legIndex, leg.startedAt), 0, leg);
    }
    return call;
  }

  /**
   * The call's inbound row as of `now`; once every leg is logged it can no longer change, and
   * the same row object is served from then on (a poller re-reads its window every few seconds,
   * and the wire form of a row is cached by object, sim/odata/collectionJson.ts).
   */
  private inboundCallRowAt(call: SimCall, now: number): InboundCallRow {
    const final = this.finalInboundRows.get(call);
    if (final !== undefined) return final;
    const row = this.inboundCallRow(call, now);
    if (call.legs.every((l) => this.isLogged(l, now))) this.finalInboundRows.set(call, row);
    return row;
  }

  private inboundCallRow(call: SimCall, now: number): InboundCallRow {
    const logged = call.legs.filter((l) => this.isLogged(l, now));
    const first = logged[0];
    const answering = logged.find(
      (l) =>
        l.destinationKind === 'extension' && l.row.Answered === true && l.endedAt > l.ringEndedAt,
    );
    const lastEnd = logged.reduce((end, l) => Math.max(end, l.endedAt), call.startedAt);
    const talkMs = logged
      .filter((l) => l.destinationKind === 'extension' && l.row.Answered === true)
      .reduce((sum, l) => sum + (l.endedAt - l.ringEndedAt), 0);
    const did = this.deps.directory.did(call.did as string);
    const trunk = this.deps.directory.trunkByDn(did.trunkDn);
    const row: Record<string, unknown> = {
      CallDuration: formatIsoDuration((lastEnd - call.startedAt) / 1000),
      CallHistoryId: first.row.CallHistoryId ?? undefined,
      CdrId: first.row.CdrId ?? undefined,
      DestinationCallerId: first.row.DestinationCallerId ?? undefined,
      DestinationDisplayName: first.row.DestinationDisplayName ?? undefined,
      DestinationDn: first.row.DestinationDn ?? undefined,
      Did: did.number,
      QualityReport: false,
      RecordingId: answering?.row.DstRecId ?? undefined,
      RecordingUrl: answering?.row.RecordingUrl ?? undefined,
      RingingDuration: formatIsoDuration(
        ((answering ? answering.ringEndedAt : lastEnd) - call.startedAt) / 1000,
      ),
      RuleName: did.ruleName,
      SourceCallerId: first.row.SourceCallerId ?? undefined,
      SourceDisplayName: first.row.SourceDisplayName ?? undefined,
      SourceDn: first.row.SourceDn ?? undefined,
      StartTime: formatODataDateTime(call.startedAt),
      Status: answering ? 'Answered' : 'Unanswered',
      TalkingDuration: formatIsoDuration(talkMs / 1000),
      TrunkName: trunk.name,
      TrunkNumber: trunk.number,
    };
    for (const key of Object.keys(row)) if (row[key] === undefined) delete row[key];
    return row as unknown as InboundCallRow;
  }
}

/**
 * What `/ActiveCalls` shows for a live call: `Talking` while someone (an agent, the outside
 * party, the IVR or voicemail) is connected, `Ringing` while phones ring or the caller waits in
 * a queue. `Callee` follows the call as it moves; `EstablishedAt` is when the call started.
 */
function activeCallRow(call: SimCall, now: number): ActiveCallRow {
  const live = call.legs.filter((l) => l.startedAt <= now && now < l.endedAt);
  const talking = live.filter((l) => l.ringEndedAt <= now && l.destinationKind !== 'queue');
  const ringing = live.filter((l) => now < l.ringEndedAt);
  let status: 'Ringing' | 'Talking';
  let current: SimLeg;
  let changedAt: number;
  if (talking.length > 0) {
    status = 'Talking';
    current = talking[talking.length - 1];
    changedAt = current.ringEndedAt;
  } else if (ringing.length > 0) {
    status = 'Ringing';
    current = ringing[ringing.length - 1];
    changedAt = current.startedAt;
  } else {
    status = 'Ringing';
    current = live[live.length - 1];
    changedAt = current.startedAt;
  }
  return {
    Callee:
      (current.destinationKind === 'external'
        ? current.row.DestinationCallerId
        : current.row.DestinationDn) ?? undefined,
    Caller: call.caller,
    EstablishedAt: formatODataDateTime(call.startedAt),
    Id: call.callId,
    LastChangeStatus: formatODataDateTime(changedAt),
    ServerNow: formatODataDateTime(now),
    Status: status,
  };
}

/** First index that starts at or after `ms` (legs or calls, ordered by start). */
function lowerBound(index: readonly { startedAt: number }[], ms: number): number {
  let lo = 0;
  let hi = index.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (index[mid].startedAt < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index that starts after `ms`: the insert point that keeps placement order on ties. */
function upperBound(index: readonly { startedAt: number }[], ms: number): number {
  let lo = 0;
  let hi = index.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (index[mid].startedAt <= ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
