import type { QueuePoll } from '../queuePoll';
import { matchQueuePolls } from '../queuePollMatch';
import { readQueuePolls } from '../threecx/abandonedQueueCalls';
import { callKeyOf, rowCallKey, type CallLeg } from '../threecx/callLeg';
import { cdrIdOf, type CallLogKeyRow } from '../threecx/callLogKeys';
import type { CallLogWantedOptions } from '../threecx/client';
import { validateCallLegs, type CallLegProblem } from '../threecx/validateCallLegs';
import type { AbandonedQueueCall, ActiveCall, InboundCall } from '../threecx/xapiTypes';
import type { SettledCall } from '../settledCall';
import { parseUtcMillis } from '../utcTime';
import {
  initialPollerState,
  type CallTimes,
  type PollerEvent,
  type PollerStore,
} from './pollerState';
import {
  DEFAULT_POLL_SETTINGS,
  planTick,
  processTick,
  processTickInSlices,
  type PollSettings,
  type TickInput,
  type TickOutcome,
  type TickWindow,
} from './pollTick';

/** What the poller needs from 3CX: the matching methods of `ThreeCxClient`. */
export interface CallHistorySource {
  activeCalls(): Promise<ActiveCall[]>;
  callLog(query: { from: number; to: number }): Promise<CallLeg[]>;
  /**
   * Optional: the rows of the period that `wanted` picks (and possibly others), read cheaply
   * (lib/threecx/client.ts `callLogWanted`). Without it the poller reads the whole period.
   */
  callLogWanted?(
    query: { from: number; to: number },
    wanted: (row: CallLogKeyRow) => boolean,
    options?: CallLogWantedOptions,
  ): Promise<CallLeg[]>;
  /** With `fields`, rows may carry only those (a source may also send them whole). */
  inboundCalls(
    query: { from: number; to: number },
    fields?: ReadonlyArray<keyof InboundCall>,
  ): Promise<InboundCall[]>;
  abandonedQueueCalls(query: {
    from: number;
    to: number;
    queueDn: string;
  }): Promise<AbandonedQueueCall[]>;
}

export interface CallPollerOptions {
  source: CallHistorySource;
  store: PollerStore;
  settings?: Partial<PollSettings>;
  now?: () => number;
  /** How far back the very first tick reads (a new location does not replay old history). */
  initialLookbackSeconds?: number;
  /** A report failed (inbound calls, abandoned queue calls): the tick goes on without it. */
  onWarning?: (message: string, error: unknown) => void;
  /**
   * Runs the tick's CPU part (validate, settle, store) when it is this poller's turn. The bridge
   * queues it behind other locations' (bridge/workTurns.ts), so that 200 polls whose
   * reads finish together do not settle and store in one turn of the event loop; reads stay
   * concurrent. Without it the work runs at once.
   */
  processingTurn?: <T>(
    work: () => Promise<T>,
    options?: { continuation?: boolean; catchUp?: boolean },
  ) => Promise<T>;
  /**
   * Settle in slices of about this many legs, awaiting `yieldToLoop` between them (both or
   * neither): a large poll's settle leaves the event loop running in between.
   */
  slices?: { legs: number; yieldToLoop: () => Promise<void> };
}

export interface TickReport {
  window: TickWindow;
  /** Legs of calls not finished before this tick (the rows of finished calls are skipped). */
  legs: number;
  /** Rows 3CX sent that the engine cannot use; counted, never fatal. */
  problems: CallLegProblem[];
  events: PollerEvent[];
  pending: number;
  watermark: number;
}

/**
 * One location's call-history poller: each tick reads active calls and the call log for
 * `[watermark − overlap, now]`, attaches DIDs and learns the trunks' DNs from the
 * inbound-calls report, settles, and hands the events with the new state to the store in one
 * commit. A failed tick changes nothing (the store is not touched), so the next tick simply
 * reads the same window again.
 *
 * Queue polls nobody answered are not in the call log (read with `hidePcalls=true`), so a
 * queue call whose caller gave up would settle as `abandoned` with no agents. When a tick
 * settles such a call, the poller reads the abandoned-queue report for that queue and window
 * and settles again with the agents it names: `missed`, with `agents_rung` (docs/3cx-facts.md
 * §8 says why the report and not `hidePcalls=false`). The second settle is the same pure
 * function on the same input plus the polls, and happens only on ticks with such a call.
 */
export class CallPoller {
  private readonly source: CallHistorySource;
  private readonly store: PollerStore;
  private readonly settings: PollSettings;
  private readonly now: () => number;
  private readonly initialLookbackMs: number;
  private readonly onWarning: (message: string, error: unknown) => void;
  private readonly processingTurn: NonNullable<CallPollerOptions['processingTurn']>;
  private readonly slices: CallPollerOptions['slices'];
  /**
   * The legs of the calls left pending by the last successful tick, by `CdrId`: the cheap
   * re-read asks the PBX only for rows it has not got (issue 16: the rows of a long call, re-read
   * on every tick until it ends, cost a targeted request of their own). A leg's row is final
   * once logged (docs/3cx-facts.md §1.5: one CDR per hop, written when the hop ends).
   */
  private pendingLegs = new Map<string, CallLeg>();
  /**
   * The inbound-calls report of the last successful tick, unless it failed: the trunks, and the
   * DIDs of the calls it left pending (whose legs it read). A tick that reads no row it did not already hold
   * (only the legs of pending calls) reuses it instead of asking again (issue 16: a fifth of the
   * steady polls asked for a report that could tell them nothing new).
   */
  private lastInbound: InboundReport | null = null;

  constructor(options: CallPollerOptions) {
    this.source = options.source;
    this.store = options.store;
    this.settings = { ...DEFAULT_POLL_SETTINGS, ...options.settings };
    this.now = options.now ?? Date.now;
    this.initialLookbackMs = (options.initialLookbackSeconds ?? 900) * 1000;
    this.onWarning = options.onWarning ?? (() => undefined);
    this.processingTurn = options.processingTurn ?? ((work) => work());
    this.slices = options.slices;
  }

  async tick(): Promise<TickReport> {
    const now = this.now();
    const saved = await this.store.load();
    const state = saved ?? initialPollerState(now - this.initialLookbackMs);
    const window = planTick(state, now, this.settings, { firstRead: saved === null });
    // Reading history, not the last few seconds: its turns wait apart from the steady polls'.
    const catchUp = saved === null || window.catchingUp;
    // Active calls first: a call that ends between the two reads is then at worst seen active
    // with all its legs in the log (pending one more tick), never gone with legs missing.
    const active = await this.source.activeCalls();
    // The inbound report must be requested after every row the call-log read returns was
    // logged (a call's DID would be missing otherwise): after the call-log read, or as soon as
    // the light pass has fixed the rows (the targeted reads and this one then run together).
    let inboundRead: Promise<InboundReport> | null = null;
    const readInbound = () => (inboundRead ??= this.inboundReport(window));
    // Legs held from the last tick had their DIDs in its report: only new rows need a new one.
    const lastInbound = this.lastInbound;
    let read: { rows: unknown[]; fresh: boolean };
    try {
      read = await this.readCallLog(window, state.finished, (newRows) => {
        if (newRows > 0 || (lastInbound === null && this.pendingLegs.size > 0)) void readInbound();
      });
    } catch (error) {
      // A failed tick leaves no read behind it (the report never rejects).
      await (inboundRead as Promise<InboundReport> | null);
      throw error;
    }
    const { legs, problems } = validateCallLegs(read.rows);
    const inbound =
      legs.length === 0
        ? NO_INBOUND_REPORT
        : read.fresh || lastInbound === null
          ? await readInbound()
          : lastInbound;
    const activeCallIds = active.map((call) => String(call.Id));
    const first = await this.processingTurn(
      async () => {
        const input: TickInput = {
          state,
          window,
          now,
          legs,
          activeCallIds,
          dialedNumbers: inbound.dialedNumbers,
          trunkDns: inbound.trunkDns,
        };
        const outcome = await this.process(input);
        const abandoned = outcome.settled.filter(
          (c) => c.outcome === 'abandoned' && c.queue !== null,
        );
        // The abandoned-queue report is read outside the turn (a read, not CPU work).
        if (abandoned.length === 0) await this.store.commit(outcome.state, outcome.events);
        return { input, outcome, abandoned };
      },
      { catchUp },
    );
    let { outcome } = first;
    if (first.abandoned.length > 0) {
      const queuePolls = await this.queuePolls(window, first.abandoned);
      // The second part of this poll's turn: ahead of polls that have not had theirs.
      outcome = await this.processingTurn(
        async () => {
          const again =
            queuePolls.size > 0 ? await this.process({ ...first.input, queuePolls }) : outcome;
          await this.store.commit(again.state, again.events);
          return again;
        },
        { continuation: true, catchUp },
      );
    }
    this.pendingLegs = legsOfCalls(legs, outcome.state.pending);
    if (legs.length > 0)
      this.lastInbound = inbound.failed ? null : reportOfCalls(inbound, outcome.state.pending);
    return {
      window,
      legs: legs.length,
      problems,
      events: outcome.events,
      pending: outcome.pendingCount,
      watermark: outcome.state.watermark,
    };
  }

  /**
   * The window's rows of calls not finished yet: the finished ones would be dropped by the tick
   * anyway (lib/poller/pollTick.ts), so they are skipped before validation, and a source that
   * can read only the rows wanted is asked for those (issue 16: a steady-state poll re-read its
   * whole window, of which under 1 % was new). `fresh`: a row is among them that the poller did
   * not hold from its last tick (always, when the window was read whole);
   * `onLightPass(newRows)` says how many such rows are coming, once the light pass has fixed them.
   */
  private async readCallLog(
    window: TickWindow,
    finished: CallTimes,
    onLightPass: (newRows: number) => void,
  ): Promise<{ rows: unknown[]; fresh: boolean }> {
    const wanted = (row: unknown) => {
      const key = rowCallKey(row);
      return key === null || !finished.has(key);
    };
    const query = { from: window.from, to: window.to };
    // The light pass pays only when most of the window is already finished: not on a first
    // tick (nothing is) nor while catching up (most of the window is new).
    const cheap =
      this.source.callLogWanted !== undefined && !window.catchingUp && finished.size > 0;
    if (!cheap) {
      const rows = (await this.source.callLog(query)).filter(wanted);
      return { rows, fresh: rows.length > 0 };
    }
    // Legs already held (a pending call's) are not read again; those still in the window and
    // of calls not finished come back with the rows read.
    const held = [...this.pendingLegs.values()].filter((leg) => {
      const start = parseUtcMillis(leg.StartTime);
      return wanted(leg) && start >= window.from && start <= window.to;
    });
    const toRead = (row: CallLogKeyRow) => {
      const id = cdrIdOf(row);
      return wanted(row) && (id === null || !this.pendingLegs.has(id));
    };
    const rows = await this.source.callLogWanted!(query, toRead, { onLightPass });
    const read = rows.filter(wanted);
    const readIds = new Set(read.map(cdrIdOf));
    // A row without a `CdrId` cannot be told from a held one: counted as new.
    const fresh = read.some((row) => {
      const id = cdrIdOf(row);
      return id === null || !this.pendingLegs.has(id);
    });
    return { rows: [...read, ...held.filter((leg) => !readIds.has(cdrIdOf(leg)))], fresh };
  }

  private process(input: TickInput): Promise<TickOutcome> {
    const { slices } = this;
    return slices
      ? processTickInSlices(input, this.settings, slices.yieldToLoop, slices.legs)
      : Promise.resolve(processTick(input, this.settings));
  }

  /** Tick until the poller has caught up with the present (after an outage), then once more. */
  async catchUp(maxTicks = 1000): Promise<TickReport[]> {
    const reports: TickReport[] = [];
    for (let i = 0; i < maxTicks; i++) {
      const report = await this.tick();
      reports.push(report);
      if (!report.window.catchingUp) break;
    }
    return reports;
  }

  /**
   * The DID of each inbound call, and the trunks' DNs: the source of every inbound-call row
   * is the trunk the call came in on [inf docs/3cx-facts.md §1.7], the PBX's own word on which
   * side of a leg is outside (lib/legRules.ts `dnRoles`).
   */
  private async inboundReport(window: TickWindow): Promise<InboundReport> {
    const dialedNumbers = new Map<string, string>();
    const trunkDns = new Set<string>();
    let failed = false;
    try {
      const rows = await this.source.inboundCalls(
        { from: window.from, to: window.to },
        INBOUND_FIELDS,
      );
      for (const row of rows) {
        if (row.CallHistoryId && row.Did) dialedNumbers.set(row.CallHistoryId, row.Did);
        if (row.SourceDn) trunkDns.add(row.SourceDn);
      }
    } catch (error) {
      failed = true;
      // The DID only enriches the event (source list); the call itself must still get out.
      this.onWarning(
        'could not read the inbound-calls report; events go out without the dialled number',
        error,
      );
    }
    return { dialedNumbers, trunkDns: [...trunkDns], failed };
  }

  /** The polls of these abandoned queue calls, by call key, from their queues' reports. */
  private async queuePolls(
    window: TickWindow,
    calls: readonly SettledCall[],
  ): Promise<Map<string, QueuePoll[]>> {
    const rows: AbandonedQueueCall[] = [];
    for (const queueDn of new Set(calls.map((c) => c.queue as string))) {
      try {
        rows.push(
          ...(await this.source.abandonedQueueCalls({ from: window.from, to: window.to, queueDn })),
        );
      } catch (error) {
        // Without the report the call still goes out, as `abandoned` with no agents.
        this.onWarning(
          `could not read the abandoned-queue report for queue ${queueDn}; its abandoned calls go out without the agents polled`,
          error,
        );
      }
    }
    const { byCall, unkeyed } = readQueuePolls(rows);
    // A PBX before V20 Update 6 has no CallHistoryId: match by queue, caller and time.
    const country = this.settings.settle.country;
    for (const [key, polls] of matchQueuePolls(unkeyed, calls, { country }).byCall) {
      if (!byCall.has(key)) byCall.set(key, polls);
    }
    return byCall;
  }
}

/** The legs with a `CdrId` of the calls in `calls`, by `CdrId`. */
function legsOfCalls(legs: readonly CallLeg[], calls: CallTimes): Map<string, CallLeg> {
  const byId = new Map<string, CallLeg>();
  for (const leg of legs) {
    const id = cdrIdOf(leg);
    if (id !== null && calls.has(callKeyOf(leg))) byId.set(id, leg);
  }
  return byId;
}

/**
 * The part of a report the next tick may reuse: the DIDs of the calls still pending (the only
 * ones whose legs it can hold), not the window's thousand, kept for each of 200 locations.
 */
function reportOfCalls(report: InboundReport, calls: CallTimes): InboundReport {
  const dialedNumbers = new Map<string, string>();
  for (const key of calls.keys()) {
    const did = report.dialedNumbers.get(key);
    if (did !== undefined) dialedNumbers.set(key, did);
  }
  return { ...report, dialedNumbers };
}

interface InboundReport {
  dialedNumbers: Map<string, string>;
  trunkDns: string[];
  /** The report could not be read: a later tick must ask again. */
  failed: boolean;
}

/** What the poller reads of the inbound-calls report: a fifth of each row (issue 16). */
const INBOUND_FIELDS: ReadonlyArray<keyof InboundCall> = ['CallHistoryId', 'Did', 'SourceDn'];

const NO_INBOUND_REPORT: InboundReport = { dialedNumbers: new Map(), trunkDns: [], failed: false };
