import type { Logger } from 'pino';
import type { PollerEvent } from '../../lib/poller/pollerState';
import type { CallLeg } from '../../lib/threecx/callLeg';
import type { ThreeCxClient } from '../../lib/threecx/client';
import type { HttpTransport } from '../../lib/threecx/httpTransport';
import type { LocationIngest } from '../ingest/locationIngest';
import { isJournalCallId } from '../journal/journalCallId';
import type { BridgeStore } from '../store/bridgeStore';
import type { Location } from '../store/locations';
import { CallIdIndex } from './callIdIndex';
import { CallLinkRepo, type CallLink } from './callLinks';
import { CallControlMetrics } from './callControlMetrics';
import {
  DEFAULT_STREAM_TIMING,
  LocationStream,
  type LocationStreamStatus,
  type StreamTiming,
} from './locationStream';

/**
 * Every location's Call Control stream, and where the stream meets the poller.
 *
 * A stream runs for each location with a PBX connection whose `callControl` setting is not
 * `off`; in `auto` a client without Call Control access simply polls, as before. The stream
 * and the poller share the location's `ThreeCxClient`, hence its one token (docs/3cx-facts.md
 * §1.2).
 *
 * One call, one id, whichever source saw it first (callLinks.ts): the poller's reads teach the
 * `CallHistoryId` → `CallId` map (callIdIndex.ts); its events are rewritten to the stream's id
 * when the stream named the call first, so they dedupe against what the stream stored and only
 * add the call log's detail to the call record. A fast `call.missed` that the call log
 * contradicts (answered or voicemail) is counted and logged: subscribers keep what they got
 * (docs/api.md "Where events come from").
 */
export interface CallControlServiceOptions {
  store: BridgeStore;
  registry: import('prom-client').Registry;
  now: () => number;
  random?: () => number;
  logger: Logger;
  timing?: Partial<StreamTiming>;
  eventsStored: () => void;
}

export type CallControlStatus = LocationStreamStatus;

/**
 * Streams started in one turn of the event loop at most. A stream's start builds its token
 * request at once (~1 ms a request, more while cold, when the 3CX client was axios; less over
 * `node:http` since, bridge/threecx/threecxTransport.ts); the bridge's start began twenty in
 * one go, ~18 ms of one iteration beside the first polls, the prune and the API (BENCHMARKS.md
 * "Issue 16 item 3, sixth round"). The rest start on the next turns, after pending I/O, so the
 * last of twenty starts a few iterations later and the first is not delayed at all.
 */
export const STREAM_STARTS_PER_TURN = 4;

interface Running {
  stream: LocationStream;
  /** The location's `callControl` setting it was started for. */
  mode: Location['settings']['callControl'];
  /**
   * The location's 3CX client it streams with. The bridge keeps one client per connection
   * (address, API client, secret, TLS setting): a new client means a changed connection.
   */
  client: ThreeCxClient;
}

export class CallControlService {
  readonly metrics: CallControlMetrics;
  private readonly links: CallLinkRepo;
  private readonly indexes = new Map<string, CallIdIndex>();
  private readonly streams = new Map<string, Running>();
  private pruneTimer: NodeJS.Timeout | null = null;
  private started = false;
  /** Streams waiting for their turn to start (`startWaiting`), oldest first. */
  private waiting: Array<{ locationId: string; stream: LocationStream }> = [];
  private nextTurn: NodeJS.Immediate | null = null;
  private startsThisTurn = 0;

  constructor(private readonly options: CallControlServiceOptions) {
    this.metrics = new CallControlMetrics(options.registry);
    this.links = new CallLinkRepo(options.store.db);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    for (const [locationId, r] of this.streams) this.waiting.push({ locationId, stream: r.stream });
    this.startWaiting();
    this.pruneTimer = setInterval(() => this.links.prune(this.options.now()), 3600_000);
    this.pruneTimer.unref();
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    if (this.nextTurn) clearImmediate(this.nextTurn);
    this.nextTurn = null;
    this.startsThisTurn = 0;
    this.waiting = [];
    await Promise.all([...this.streams.values()].map((r) => r.stream.stop()));
  }

  /** Start, keep or stop the stream of one location (the bridge calls it for every location). */
  ensure(
    location: Location,
    deps: { client: ThreeCxClient; transport: HttpTransport; ingest: LocationIngest } | null,
  ): void {
    const wanted = deps !== null && location.settings.callControl !== 'off';
    const mode = location.settings.callControl;
    const running = this.streams.get(location.id);
    if (running && (!wanted || running.mode !== mode || running.client !== deps.client)) {
      void running.stream.stop();
      this.streams.delete(location.id);
    } else if (running) return;
    if (!wanted) return;
    const stream = new LocationStream(location, {
      ...deps,
      store: this.options.store,
      links: this.links,
      metrics: this.metrics,
      now: this.options.now,
      random: this.options.random ?? Math.random,
      logger: this.options.logger,
      timing: { ...DEFAULT_STREAM_TIMING, ...this.options.timing },
      eventsStored: this.options.eventsStored,
    });
    this.streams.set(location.id, { stream, mode, client: deps.client });
    if (!this.started) return;
    this.waiting.push({ locationId: location.id, stream });
    this.startWaiting();
  }

  /**
   * Start waiting streams, at most `STREAM_STARTS_PER_TURN` in this turn of the event loop
   * (whether from `start` or from locations added one by one); the rest on the next turns. A
   * stream replaced or removed while it waited is not started (`stop` already ran for it).
   */
  private startWaiting(): void {
    while (this.startsThisTurn < STREAM_STARTS_PER_TURN && this.waiting.length > 0) {
      const { locationId, stream } = this.waiting.shift()!;
      if (this.streams.get(locationId)?.stream !== stream) continue;
      stream.start();
      this.startsThisTurn++;
    }
    if (this.nextTurn || !this.started || this.startsThisTurn === 0) return;
    this.nextTurn = setImmediate(() => {
      this.nextTurn = null;
      this.startsThisTurn = 0;
      this.startWaiting();
    });
  }

  /** Stop the streams of locations that are gone. */
  retain(locationIds: ReadonlySet<string>): void {
    for (const [id, running] of this.streams) {
      if (locationIds.has(id)) continue;
      void running.stream.stop();
      this.streams.delete(id);
      this.indexes.delete(id);
    }
  }

  /** The stream's state for `/v1/status` and `check`; null when it does not run. */
  statusOf(locationId: string): CallControlStatus | null {
    return this.streams.get(locationId)?.stream.status() ?? null;
  }

  /**
   * Does the stream of this location need the poller's call numbers? Not when it does not run
   * or the client has no Call Control access: then the polled path stays exactly as it was.
   */
  private listens(locationId: string): boolean {
    const running = this.streams.get(locationId);
    return running !== undefined && running.stream.status().state !== 'no_access';
  }

  /** The poller read these call-log rows (bridge/ingest/locationPoller.ts). */
  observeCallLog(locationId: string, legs: readonly CallLeg[]): void {
    if (!this.listens(locationId)) return;
    let index = this.indexes.get(locationId);
    if (!index) {
      index = new CallIdIndex();
      this.indexes.set(locationId, index);
    }
    index.observe(legs);
  }

  /**
   * The poller's hook, inside its transaction (LocationIngest `correlate`): its events take the
   * id the call already has, and the call numbers it learnt are linked for the stream.
   */
  correlatePollerEvents(
    locationId: string,
    events: readonly PollerEvent[],
  ): readonly PollerEvent[] {
    const index = this.indexes.get(locationId);
    if (!index || events.length === 0 || !this.listens(locationId)) return events;
    const now = this.options.now();
    const linked = events.filter(
      ({ call }) => !isJournalCallId(call.call_id) && index.callIdsOf(call.call_id).length > 0,
    );
    // The links of all the events' call numbers in one read; a number linked in this loop is
    // read again (the link just made is its newest), so each call sees what a read of its own
    // would have seen.
    const known = this.links.findEach(
      locationId,
      linked.flatMap(({ call }) => index.callIdsOf(call.call_id)),
      now,
    );
    const linkedHere = new Set<number>();
    const rewrites = new Map<string, string>();
    for (const { call } of events) {
      if (rewrites.has(call.call_id) || isJournalCallId(call.call_id)) continue;
      let target = call.call_id;
      for (const pbxCallId of index.callIdsOf(call.call_id)) {
        const link = linkedHere.has(pbxCallId)
          ? this.links.find(locationId, pbxCallId, now)
          : (known.get(pbxCallId) ?? null);
        if (link) target = link.callId;
        else {
          this.links.insert(locationId, pbxCallId, call.call_id, now);
          linkedHere.add(pbxCallId);
        }
      }
      rewrites.set(call.call_id, target);
    }
    const out = events.map((e) => {
      const id = rewrites.get(e.call.call_id);
      return id && id !== e.call.call_id ? { type: e.type, call: { ...e.call, call_id: id } } : e;
    });
    // The links of the calls the call log says were answered, in one read after all the
    // links above were made.
    const answered = out.filter((e) => e.type === 'call.ended' && !isMissOutcome(e));
    const linksOf = this.links.ofCallEach(
      locationId,
      answered.map((e) => e.call.call_id),
    );
    for (const e of answered) this.checkVerdict(locationId, e, linksOf.get(e.call.call_id) ?? []);
    return out;
  }

  /** The call log's outcome against the stream's fast verdict (docs/api.md "Where events come from"). */
  private checkVerdict(locationId: string, event: PollerEvent, links: readonly CallLink[]): void {
    const { call } = event;
    if (isMissOutcome(event)) return;
    if (!links.some((l) => l.fastVerdict === 'missed')) return;
    if (!this.links.markContradicted(locationId, call.call_id)) return;
    this.metrics.contradiction();
    this.options.logger.warn(
      {
        location: locationId,
        call: call.call_id,
        outcome: call.outcome,
        answered_by: call.answered_by,
        voicemail: call.voicemail,
      },
      'the call log contradicts the stream’s fast call.missed: subscribers already have it; the call record now shows the call log’s outcome',
    );
  }
}

/** The call log reports the call unanswered: nothing for a fast `call.missed` to contradict. */
function isMissOutcome({ call }: PollerEvent): boolean {
  return call.outcome === 'missed' || call.outcome === 'abandoned';
}
