import type { Logger } from 'pino';
import { eventsForSettledCall, firesCallStarted, type CallEventType } from '../../lib/callEvent';
import type { ThreeCxClient } from '../../lib/threecx/client';
import type { HttpTransport } from '../../lib/threecx/httpTransport';
import type { LocationIngest } from '../ingest/locationIngest';
import type { BridgeStore } from '../store/bridgeStore';
import type { Location } from '../store/locations';
import { CallControlApi, CallControlError, type ParticipantRead } from './callControlApi';
import type { CallControlMetrics } from './callControlMetrics';
import type { CallLinkRepo } from './callLinks';
import { fastVerdict } from './fastSettle';
import { StreamCallTracker, type TrackedCall } from './streamCallTracker';
import { streamCallId } from './streamCallId';
import { EVENT_REMOVE, EVENT_UPSERT, frameSchema, participantEntity } from './streamParticipant';
import { streamSettledCall } from './streamSettledCall';
import { StreamSocket } from './streamSocket';
import { ParticipantReads, type StreamEvent } from './participantReads';

/**
 * One location's Call Control stream (docs/3cx-facts.md §2): connect, take the snapshot,
 * follow the events, and turn what it sees into `call.started` at the first ring and a fast
 * `call.missed` for a plain miss (fastSettle.ts). The poller keeps running beside it: whatever
 * the stream does not judge, or misses while it is down, the call log settles as before.
 *
 * Lifecycle (§2.2, §2.5): open the socket first, then `GET /callcontrol` and reconcile, then the
 * events buffered meanwhile; a ping every 5 s, cut after 10 s without a pong; after any loss,
 * re-token, reconnect with exponential backoff and jitter, snapshot, reconcile (there is no
 * resume). Upserts carry no data: each is fetched with a GET, in order, one at a time (§2.2).
 */
export type StreamState = 'off' | 'no_access' | 'connecting' | 'connected' | 'down';

export interface LocationStreamStatus {
  state: StreamState;
  /** When the current state began. */
  since: string;
  reconnects: number;
  events: number;
  last_error: string | null;
  monitored_dns: number | null;
  fast_misses: number;
  tracked_calls: number;
}

export interface StreamTiming {
  pingMs: number;
  pongTimeoutMs: number;
  /** First reconnect delay; doubles per failure up to `backoffMaxMs`, with jitter. */
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** `auto` mode: how often to look again whether the client has gained Call Control access. */
  noAccessRetryMs: number;
}

export const DEFAULT_STREAM_TIMING: StreamTiming = {
  pingMs: 5000,
  pongTimeoutMs: 10_000,
  backoffBaseMs: 1000,
  backoffMaxMs: 30_000,
  noAccessRetryMs: 10 * 60_000,
};

export interface LocationStreamDeps {
  client: ThreeCxClient;
  transport: HttpTransport;
  store: BridgeStore;
  links: CallLinkRepo;
  ingest: LocationIngest;
  metrics: CallControlMetrics;
  now: () => number;
  random: () => number;
  logger: Logger;
  timing: StreamTiming;
  /** Events were stored: wake the delivery worker. */
  eventsStored: () => void;
}

/** GETs of participants in flight at once, per location (participantReads.ts). */
const MAX_GETS_IN_FLIGHT = 16;
/**
 * How late after the last removal the `/ActiveCalls` check may still count as evidence: past
 * quiet time + this, a call gone may as well have gone on (voicemail, an unmonitored phone) and
 * ended since, so the call log decides (a slow PBX or a backlog never turns into wrong misses).
 */
const LATE_CHECK_SLACK_MS = 1500;
/**
 * Between a queue's waves the caller waits where no monitored phone shows (docs/3cx-facts.md
 * §2.3: waves re-ring within 1–2 s); one who hangs up there after the first check would wait
 * for the call log. So a queue call still on the PBX is checked again, a second apart, a few
 * times, until it rings again or is gone. Only queue calls: an extension that rang out goes to
 * voicemail, which the stream cannot see, and a quick hang-up there must not read as a miss.
 */
const QUEUE_RECHECKS = 3;
const RECHECK_MS = 1000;

export class LocationStream {
  private readonly api: CallControlApi;
  private readonly tracker: StreamCallTracker;
  private readonly log: Logger;
  private state: StreamState = 'connecting';
  private since: number;
  private reconnects = 0;
  private events = 0;
  private fastMisses = 0;
  private lastError: string | null = null;
  private monitored: number | null = null;
  private socket: StreamSocket | null = null;
  private session = 0;
  private failures = 0;
  private stopped = false;
  private everConnected = false;
  private lastToken: string | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private buffering = true;
  private buffered: StreamEvent[] = [];
  private readonly reads: ParticipantReads;
  private activeRead: { startedAt: number; ids: Promise<Set<string>> } | null = null;
  /** Event call id per PBX call number, as decided at the first ring. */
  private readonly callIds = new Map<number, string>();

  constructor(
    private readonly location: Location,
    private readonly deps: LocationStreamDeps,
  ) {
    this.since = deps.now();
    this.log = deps.logger.child({ location: location.id, source: 'callcontrol' });
    this.api = new CallControlApi({
      pbxUrl: deps.client.pbxUrl,
      transport: deps.transport,
      tokens: deps.client.tokens,
    });
    this.reads = new ParticipantReads({
      read: (dn, id) => this.api.participant(dn, id),
      knows: (dn, id) => this.tracker.knows(dn, id),
      apply: (event, read) => this.apply(event, read),
      maxInFlight: MAX_GETS_IN_FLIGHT,
    });
    this.tracker = new StreamCallTracker({
      now: deps.now,
      quietMs: () => this.quietMs(),
      onStarted: (call) => void this.callStarted(call).catch((e) => this.fail('call.started', e)),
      onQuiet: (call) => void this.callQuiet(call).catch((e) => this.fail('fast settle', e)),
    });
  }

  start(): void {
    this.stopped = false;
    this.pruneTimer = setInterval(() => this.tracker.prune(), 60_000);
    this.pruneTimer.unref();
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    this.socket?.terminate('stopping');
    this.socket = null;
    this.tracker.clear();
    await this.reads.stop();
    this.deps.metrics.setConnected(this.location.id, false);
  }

  status(): LocationStreamStatus {
    return {
      state: this.state,
      since: new Date(this.since).toISOString(),
      reconnects: this.reconnects,
      events: this.events,
      last_error: this.lastError,
      monitored_dns: this.monitored,
      fast_misses: this.fastMisses,
      tracked_calls: this.tracker.size,
    };
  }

  // --- connection ------------------------------------------------------------------------------

  private quietMs(): number {
    return this.settings().fastSettleQuietSeconds * 1000;
  }

  private settings() {
    return (this.deps.store.locations.get(this.location.id) ?? this.location).settings;
  }

  private setState(state: StreamState): void {
    if (state === this.state) return;
    this.state = state;
    this.since = this.deps.now();
    this.deps.metrics.setConnected(this.location.id, state === 'connected');
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.setState('connecting');
    const session = ++this.session;
    let token: string;
    try {
      // After any loss the token may be what was lost (a PBX restart, a revoked token):
      // fetch a new one before reconnecting (docs/3cx-facts.md §2 "Token" [3p oduist]).
      const tokens = this.deps.client.tokens;
      token =
        this.lastToken === null
          ? await tokens.accessToken()
          : await tokens.renewAfterRejection(this.lastToken);
    } catch (error) {
      this.retry(`token: ${message(error)}`);
      return;
    }
    if (this.stopped || session !== this.session) return;
    this.lastToken = token;
    this.buffering = true;
    this.buffered = [];
    // Events of the previous connection still waiting: the new snapshot supersedes them.
    this.reads.clear();
    const socket = new StreamSocket({
      url: `${this.deps.client.pbxUrl.replace(/^http/, 'ws')}/callcontrol/ws`,
      token,
      allowSelfSignedTls: this.settings().allowSelfSignedTls,
      pingMs: this.deps.timing.pingMs,
      pongTimeoutMs: this.deps.timing.pongTimeoutMs,
      openTimeoutMs: 15_000,
      onMessage: (data) => this.frame(data, session),
      onClose: (reason) => this.socketClosed(reason, session),
    });
    this.socket = socket;
    const opened = await socket.opened;
    if (this.stopped || session !== this.session) return;
    if (!opened.ok) {
      if (opened.status === 403) return this.noAccess(session);
      this.retry(`could not open the Call Control socket: ${opened.reason}`);
      return;
    }
    try {
      const snapshot = await this.api.snapshot();
      if (this.stopped || session !== this.session) return;
      this.monitored = [...snapshot.dnTypes.values()].filter((t) => t !== 'Wroutepoint').length;
      this.tracker.setDnTypes(snapshot.dnTypes);
      this.tracker.reconcile(snapshot.participants, this.deps.now(), !this.everConnected);
    } catch (error) {
      if (error instanceof CallControlError && error.kind === 'no_access')
        return this.noAccess(session);
      socket.terminate('snapshot failed');
      this.retry(`snapshot: ${message(error)}`);
      return;
    }
    if (this.everConnected) {
      this.reconnects++;
      this.deps.metrics.reconnected(this.location.id);
    }
    this.everConnected = true;
    this.failures = 0;
    this.lastError = null;
    this.setState('connected');
    this.log.info({ monitored: this.monitored }, 'Call Control stream connected');
    this.buffering = false;
    for (const f of this.buffered) this.reads.push(f);
    this.buffered = [];
  }

  private socketClosed(reason: string, session: number): void {
    if (session !== this.session || this.stopped) return;
    this.socket = null;
    if (this.state === 'connected') {
      this.log.warn({ reason }, 'Call Control stream lost; polling alone until it is back');
      this.lastError = reason;
      this.setState('down');
      // Reconnect at once the first time (a dropped connection), then back off.
      this.scheduleConnect(this.deps.timing.backoffBaseMs * (0.5 + this.deps.random() * 0.5));
      this.failures = 1;
    }
  }

  private retry(reason: string): void {
    this.socket?.terminate('retrying');
    this.socket = null;
    this.session++;
    this.lastError = reason;
    this.setState('down');
    const { backoffBaseMs, backoffMaxMs } = this.deps.timing;
    const delay = Math.min(backoffMaxMs, backoffBaseMs * 2 ** this.failures);
    this.failures++;
    this.log.warn({ reason, retryInMs: Math.round(delay) }, 'Call Control stream unavailable');
    this.scheduleConnect(delay * (0.5 + this.deps.random() * 0.5));
  }

  private noAccess(session: number): void {
    if (session !== this.session) return;
    this.socket?.terminate('no access');
    this.socket = null;
    this.session++;
    const reason =
      'this API client has no Call Control access (tick "3CX Call Control API Access" and list the extensions to monitor)';
    if (this.settings().callControl === 'on') {
      this.retry(reason);
      return;
    }
    this.lastError = reason;
    this.setState('no_access');
    this.scheduleConnect(this.deps.timing.noAccessRetryMs);
  }

  private scheduleConnect(delayMs: number): void {
    if (this.stopped) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delayMs);
    this.retryTimer.unref();
  }

  // --- events ----------------------------------------------------------------------------------

  private frame(data: string, session: number): void {
    if (session !== this.session) return;
    const at = this.deps.now();
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      this.deps.metrics.frame(this.location.id, 'other');
      return;
    }
    const parsed = frameSchema.safeParse(json);
    const entity = parsed.success ? participantEntity(parsed.data.event.entity) : null;
    const type = parsed.success ? parsed.data.event.event_type : null;
    if (!entity || (type !== EVENT_UPSERT && type !== EVENT_REMOVE)) {
      // DTMF, prompt playback, responses, DN or device entities: not call state (§2.2).
      this.deps.metrics.frame(this.location.id, 'other');
      return;
    }
    this.events++;
    const kind = type === EVENT_UPSERT ? 'upsert' : 'remove';
    this.deps.metrics.frame(this.location.id, kind);
    const item: StreamEvent = { kind, dn: entity.dn, id: entity.id, at, mono: performance.now() };
    if (this.buffering) this.buffered.push(item);
    else this.reads.push(item);
  }

  /** One event, in arrival order, with its GET's answer for an upsert. */
  private apply(event: StreamEvent, read: ParticipantRead | Error | null): void {
    if (event.kind === 'remove') {
      this.tracker.remove(event.dn, event.id, event.at, true, event.mono);
      return;
    }
    if (read instanceof Error || read === null) {
      // The socket is probably going too; the reconcile after reconnecting covers it.
      this.log.debug(
        { err: read?.message, entity: `${event.dn}/${event.id}` },
        'participant GET failed',
      );
      return;
    }
    if (read.kind === 'ok') this.tracker.upsert(read.participant, event.at, { mono: event.mono });
    else this.tracker.unreadable(event.dn, event.id);
  }

  // --- what the bridge does with it ------------------------------------------------------------

  /** The event call id of a PBX call: the one either source gave it, or a new stream id. */
  private callIdOf(call: TrackedCall): string {
    const known = this.callIds.get(call.pbxCallId);
    if (known) return known;
    const now = this.deps.now();
    const link = this.deps.links.find(this.location.id, call.pbxCallId, now);
    const callId = link?.callId ?? streamCallId(call.pbxCallId, call.firstRingAt ?? now);
    if (!link) this.deps.links.insert(this.location.id, call.pbxCallId, callId, now);
    this.callIds.set(call.pbxCallId, callId);
    if (this.callIds.size > 10_000) this.callIds.delete(this.callIds.keys().next().value!);
    return callId;
  }

  private async callStarted(call: TrackedCall): Promise<void> {
    if (this.stopped) return;
    const location = this.deps.store.locations.get(this.location.id) ?? this.location;
    const callId = this.callIdOf(call);
    if (this.deps.store.calls.get(location.id, callId)?.status === 'ended') return;
    const settled = streamSettledCall(call, callId, { country: location.country, endedAt: null });
    if (!firesCallStarted(settled, { includeInternal: location.settings.includeInternal })) return;
    await this.commit([{ type: 'call.started', call: settled }]);
  }

  private async callQuiet(call: TrackedCall, recheck = 0): Promise<void> {
    if (this.stopped) return;
    const verdict = fastVerdict(call);
    if (verdict === 'log') {
      this.tracker.judge(call, 'log');
      this.deps.metrics.verdict('log');
      return;
    }
    if (verdict === 'check') {
      const due = this.quietMs() + recheck * RECHECK_MS;
      if (performance.now() - call.lastChangeMono > due + LATE_CHECK_SLACK_MS) {
        this.tracker.judge(call, 'log');
        this.deps.metrics.verdict('late');
        return;
      }
      let active: Set<string>;
      try {
        active = await this.activeCallIds(call.lastChangeAt + recheck * RECHECK_MS);
      } catch (error) {
        this.tracker.judge(call, 'log');
        this.deps.metrics.verdict('check_failed');
        this.log.debug({ err: message(error) }, 'ActiveCalls read failed; the call log decides');
        return;
      }
      // Rang again while we asked (a transfer, the next wave): wait for the next quiet.
      if (call.participants.size > 0 || call.judged !== null) return;
      if (active.has(String(call.pbxCallId)) && call.queue !== null && recheck < QUEUE_RECHECKS) {
        const again = setTimeout(() => {
          if (call.participants.size > 0 || call.judged !== null) return;
          void this.callQuiet(call, recheck + 1).catch((e) => this.fail('fast settle', e));
        }, RECHECK_MS);
        again.unref();
        return;
      }
      if (active.has(String(call.pbxCallId))) {
        // Still on the PBX with nothing monitored showing: an IVR, a queue between waves,
        // voicemail or an unmonitored phone. Only the call log can tell.
        this.tracker.judge(call, 'log');
        this.deps.metrics.verdict('still_active');
        return;
      }
    }
    await this.settleMissed(call);
  }

  /** One `GET /ActiveCalls` serves every call that went quiet at or before its start. */
  private activeCallIds(quietSince: number): Promise<Set<string>> {
    const read = this.activeRead;
    if (read && read.startedAt >= quietSince) return read.ids;
    const startedAt = this.deps.now();
    const ids = this.deps.client
      .activeCalls()
      .then((rows) => new Set(rows.map((r) => String(r.Id))));
    this.activeRead = { startedAt, ids };
    return ids;
  }

  private async settleMissed(call: TrackedCall): Promise<void> {
    if (this.stopped) return;
    this.tracker.judge(call, 'missed');
    const location = this.deps.store.locations.get(this.location.id) ?? this.location;
    const callId = this.callIdOf(call);
    // The poller settled it first (its own grace passed): its events stand.
    if (this.deps.store.calls.get(location.id, callId)?.status === 'ended') return;
    const settled = streamSettledCall(call, callId, {
      country: location.country,
      endedAt: call.lastChangeAt,
    });
    const types = eventsForSettledCall(settled, {
      includeInternal: location.settings.includeInternal,
    });
    this.deps.links.setFastVerdict(location.id, callId, 'missed');
    await this.commit(types.map((type) => ({ type, call: settled })));
    this.fastMisses++;
    this.deps.metrics.verdict('missed');
  }

  private async commit(
    events: Array<{ type: CallEventType; call: ReturnType<typeof streamSettledCall> }>,
  ): Promise<void> {
    if (events.length === 0) return;
    await this.deps.ingest.commitStream(events);
    this.deps.eventsStored();
  }

  private fail(what: string, error: unknown): void {
    this.log.error({ err: message(error) }, `Call Control: ${what} failed`);
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
