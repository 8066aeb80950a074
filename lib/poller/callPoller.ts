import type { CallLeg } from '../threecx/callLeg';
import { validateCallLegs, type CallLegProblem } from '../threecx/validateCallLegs';
import type { ActiveCall, InboundCall } from '../threecx/xapiTypes';
import { initialPollerState, type PollerEvent, type PollerStore } from './pollerState';
import {
  DEFAULT_POLL_SETTINGS,
  planTick,
  processTick,
  type PollSettings,
  type TickWindow,
} from './pollTick';

/** What the poller needs from 3CX: the matching methods of `ThreeCxClient`. */
export interface CallHistorySource {
  activeCalls(): Promise<ActiveCall[]>;
  callLog(query: { from: number; to: number }): Promise<CallLeg[]>;
  inboundCalls(query: { from: number; to: number }): Promise<InboundCall[]>;
}

export interface CallPollerOptions {
  source: CallHistorySource;
  store: PollerStore;
  settings?: Partial<PollSettings>;
  now?: () => number;
  /** How far back the very first tick reads (a new location does not replay old history). */
  initialLookbackSeconds?: number;
  /** The inbound-calls report failed: the tick goes on without DIDs. */
  onWarning?: (message: string, error: unknown) => void;
}

export interface TickReport {
  window: TickWindow;
  legs: number;
  /** Rows 3CX sent that the engine cannot use; counted, never fatal. */
  problems: CallLegProblem[];
  events: PollerEvent[];
  pending: number;
  watermark: number;
}

/**
 * One location's call-history poller: each tick reads active calls and the call log for
 * `[watermark − overlap, now]`, attaches DIDs from the inbound-calls report, settles, and
 * hands the events with the new state to the store in one commit. A failed tick changes
 * nothing (the store is not touched), so the next tick simply reads the same window again.
 */
export class CallPoller {
  private readonly source: CallHistorySource;
  private readonly store: PollerStore;
  private readonly settings: PollSettings;
  private readonly now: () => number;
  private readonly initialLookbackMs: number;
  private readonly onWarning: (message: string, error: unknown) => void;

  constructor(options: CallPollerOptions) {
    this.source = options.source;
    this.store = options.store;
    this.settings = { ...DEFAULT_POLL_SETTINGS, ...options.settings };
    this.now = options.now ?? Date.now;
    this.initialLookbackMs = (options.initialLookbackSeconds ?? 900) * 1000;
    this.onWarning = options.onWarning ?? (() => undefined);
  }

  async tick(): Promise<TickReport> {
    const now = this.now();
    const state = (await this.store.load()) ?? initialPollerState(now - this.initialLookbackMs);
    const window = planTick(state, now, this.settings);
    // Active calls first: a call that ends between the two reads is then at worst seen active
    // with all its legs in the log (pending one more tick), never gone with legs missing.
    const active = await this.source.activeCalls();
    const rows = await this.source.callLog({ from: window.from, to: window.to });
    const { legs, problems } = validateCallLegs(rows);
    const dialedNumbers =
      legs.length > 0 ? await this.dialedNumbers(window) : new Map<string, string>();
    const outcome = processTick(
      {
        state,
        window,
        now,
        legs,
        activeCallIds: active.map((call) => String(call.Id)),
        dialedNumbers,
      },
      this.settings,
    );
    await this.store.commit(outcome.state, outcome.events);
    return {
      window,
      legs: legs.length,
      problems,
      events: outcome.events,
      pending: outcome.pendingCount,
      watermark: outcome.state.watermark,
    };
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

  private async dialedNumbers(window: TickWindow): Promise<Map<string, string>> {
    const dids = new Map<string, string>();
    try {
      for (const row of await this.source.inboundCalls({ from: window.from, to: window.to })) {
        if (row.CallHistoryId && row.Did) dids.set(row.CallHistoryId, row.Did);
      }
    } catch (error) {
      // The DID only enriches the event (source list); the call itself must still get out.
      this.onWarning(
        'could not read the inbound-calls report; events go out without the dialled number',
        error,
      );
    }
    return dids;
  }
}
