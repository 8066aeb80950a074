import { eventsForSettledCall, firesCallStarted } from '../callEvent';
import { CallSettlement, describeCall, groupLegsByCall, type SettleOptions } from '../settleCalls';
import type { LegRuleOptions, PartyRole } from '../legRules';
import type { QueuePoll } from '../queuePoll';
import { callFactsOf, type SettledCall } from '../settledCall';
import { callKeyOf, type CallLeg } from '../threecx/callLeg';
import type { PollerEvent, PollerState } from './pollerState';

/** A location's polling settings (per location in the bridge). */
export interface PollSettings {
  /** Re-read this far behind the watermark: legs can land late (docs/3cx-facts.md §6). */
  overlapSeconds: number;
  /** At most this much history per tick while catching up after an outage. */
  maxCatchUpSeconds: number;
  /** A call seen active holds the watermark at (first seen − this): its legs start earlier. */
  activeMarginSeconds: number;
  /** Past this age a pending or active call stops holding the watermark (a stuck PBX entry). */
  maxHoldSeconds: number;
  /** Fire `call.started`/`call.ended` for extension-to-extension calls too. */
  includeInternal: boolean;
  settle: Omit<SettleOptions, 'now' | 'activeCallIds' | 'dialedNumbers' | 'queuePolls'>;
}

export const DEFAULT_POLL_SETTINGS: PollSettings = {
  overlapSeconds: 600,
  maxCatchUpSeconds: 6 * 3600,
  activeMarginSeconds: 120,
  maxHoldSeconds: 24 * 3600,
  includeInternal: false,
  settle: {},
};

/** The part of the call log one tick reads, and the moment it settles at. */
export interface TickWindow {
  from: number;
  to: number;
  /** `to` while catching up: a call may continue past the window's end. */
  settleAt: number;
  catchingUp: boolean;
}

/**
 * The window a tick reads. The overlap re-reads behind the watermark for legs that landed after
 * an earlier read of that period (docs/3cx-facts.md §6); a location's first tick had no earlier
 * read (`firstRead`), so it reads from its watermark, the initial lookback, and no further back.
 */
export function planTick(
  state: PollerState,
  now: number,
  settings: PollSettings,
  options: { firstRead?: boolean } = {},
): TickWindow {
  const from = options.firstRead
    ? state.watermark
    : state.watermark - settings.overlapSeconds * 1000;
  const limit = from + settings.maxCatchUpSeconds * 1000;
  const catchingUp = limit < now;
  const to = catchingUp ? limit : now;
  return { from, to, settleAt: to, catchingUp };
}

export interface TickInput {
  state: PollerState;
  window: TickWindow;
  now: number;
  legs: readonly CallLeg[];
  /** `/ActiveCalls` ids right now. */
  activeCallIds: readonly string[];
  /** DID per call key, from the inbound-calls report. */
  dialedNumbers: ReadonlyMap<string, string>;
  /** The trunks' DNs, from the inbound-calls report: outside parties (lib/legRules.ts). */
  trunkDns?: readonly string[];
  /** Agents queues polled for abandoned calls, per call key (the abandoned-queue report). */
  queuePolls?: ReadonlyMap<string, readonly QueuePoll[]>;
}

export interface TickOutcome {
  state: PollerState;
  events: PollerEvent[];
  settled: SettledCall[];
  pendingCount: number;
}

/** The location's DN roles, with the trunks the PBX reported as outside; the admin's own word wins. */
function legRulesWithTrunks(
  settings: PollSettings,
  trunkDns: readonly string[] | undefined,
): LegRuleOptions | undefined {
  const configured = settings.settle.legRules;
  if (trunkDns === undefined || trunkDns.length === 0) return configured;
  const dnRoles: Record<string, PartyRole> = {};
  for (const dn of trunkDns) dnRoles[dn] = 'external';
  return { ...configured, dnRoles: { ...dnRoles, ...configured?.dnRoles } };
}

/**
 * The poller's functional core: given what was read, which events fire and what the state
 * becomes. `call.started` fires the first time a call is seen (its first leg, or settled
 * straight away), `call.ended`/`call.missed` when it settles; each once, because a call moves
 * pending → finished and finished calls are skipped while they remain in the re-read window.
 */
export function processTick(input: TickInput, settings: PollSettings): TickOutcome {
  const tick = startTick(input, settings);
  // The legs as read: the settlement groups them and reads each in the same pass
  // (lib/settleCalls.ts `addLegs`; BENCHMARKS.md, issue 16 item 4, `settle17`).
  tick.settlement.addLegs(tick.fresh);
  return finishTick(input, settings, tick);
}

/**
 * `processTick` with the settling done in slices of whole calls of about `sliceLegs` legs,
 * awaiting `yieldToLoop` between slices: the same outcome, but a poll of 10,000 legs no longer
 * holds the bridge's event loop for its whole settle (issue 16).
 */
export async function processTickInSlices(
  input: TickInput,
  settings: PollSettings,
  yieldToLoop: () => Promise<void>,
  sliceLegs: number,
): Promise<TickOutcome> {
  const tick = startTick(input, settings);
  // A poll within one slice (every steady-state poll) is settled as `processTick` does.
  if (tick.fresh.length <= sliceLegs) {
    tick.settlement.addLegs(tick.fresh);
    return finishTick(input, settings, tick);
  }
  let slice: Array<[string, CallLeg[]]> = [];
  let legs = 0;
  for (const entry of groupLegsByCall(tick.fresh)) {
    slice.push(entry);
    legs += entry[1].length;
    if (legs >= sliceLegs) {
      tick.settlement.add(slice);
      slice = [];
      legs = 0;
      await yieldToLoop();
    }
  }
  tick.settlement.add(slice);
  return finishTick(input, settings, tick);
}

interface TickInProgress {
  /** The legs of calls not yet finished, as read. */
  fresh: CallLeg[];
  settle: PollSettings['settle'];
  settlement: CallSettlement;
}

function startTick(input: TickInput, settings: PollSettings): TickInProgress {
  const { state, window } = input;
  const fresh = input.legs.filter((leg) => !state.finished.has(callKeyOf(leg)));
  const settle = { ...settings.settle, legRules: legRulesWithTrunks(settings, input.trunkDns) };
  const settlement = new CallSettlement({
    ...settle,
    now: window.settleAt,
    activeCallIds: input.activeCallIds,
    dialedNumbers: input.dialedNumbers,
    queuePolls: input.queuePolls,
  });
  return { fresh, settle, settlement };
}

/**
 * The legs, in the order read, of the calls pending now that were not pending before: the ones
 * `call.started` is decided for. Only those are grouped, so a poll whose calls all settle (or
 * stay pending) groups nothing.
 */
function newlyPending(
  pendingNow: readonly string[],
  pendingBefore: ReadonlyMap<string, number>,
  fresh: readonly CallLeg[],
): Map<string, CallLeg[]> {
  const wanted = new Map<string, CallLeg[]>();
  for (const key of pendingNow) if (!pendingBefore.has(key)) wanted.set(key, []);
  if (wanted.size === 0) return wanted;
  for (const leg of fresh) wanted.get(callKeyOf(leg))?.push(leg);
  return wanted;
}

function finishTick(input: TickInput, settings: PollSettings, tick: TickInProgress): TickOutcome {
  const { state, window, now } = input;
  const { settle } = tick;
  const result = tick.settlement.result();
  const pending = new Map(state.pending);
  const finished = new Map(state.finished);
  const events: PollerEvent[] = [];
  const eventOptions = { includeInternal: settings.includeInternal };

  for (const settled of result.settled) {
    const types = eventsForSettledCall(settled, eventOptions);
    if (!pending.has(settled.call_id) && firesCallStarted(settled, eventOptions))
      types.unshift('call.started');
    // One object for all the call's events: the ingest tells a call first seen settled by it
    // (bridge/ingest/locationIngest.ts). Its times are formatted here, once, for the events.
    if (types.length > 0) {
      const call = callFactsOf(settled);
      for (const type of types) events.push({ type, call });
    }
    pending.delete(settled.call_id);
    finished.set(settled.call_id, settled.ended_ms);
  }

  for (const [key, legs] of newlyPending(result.pending, pending, tick.fresh)) {
    const call = describeCall(key, legs, { ...settle, dialedNumbers: input.dialedNumbers });
    if (call === null) continue;
    pending.set(key, call.started_ms);
    if (firesCallStarted(call, eventOptions))
      events.push({ type: 'call.started', call: callFactsOf(call) });
  }

  const activeSince = new Map<string, number>();
  for (const id of input.activeCallIds) activeSince.set(id, state.activeSince.get(id) ?? now);

  // The watermark: up to the window's end, held back by calls not yet dealt with.
  const holdLimit = now - settings.maxHoldSeconds * 1000;
  let watermark = window.to;
  for (const start of pending.values())
    if (start >= holdLimit) watermark = Math.min(watermark, start);
  for (const since of activeSince.values()) {
    const held = since - settings.activeMarginSeconds * 1000;
    if (held >= holdLimit) watermark = Math.min(watermark, held);
  }
  // Never so far back that the next read (`watermark − overlap`) starts before this one did:
  // the overlap re-reads what an earlier read saw, for legs landing late. Beyond a later tick's
  // own watermark this is that watermark; it matters after a new location's first read, which
  // starts at the initial lookback with no overlap (`planTick`): a watermark held at that start
  // (a call in progress) sent the second read one overlap further back, and every new location
  // stored and delivered 10 more minutes of history than the 15 its first read takes
  // (docs/design.md, "What a subscription receives"; BENCHMARKS.md, `lag32`).
  watermark = Math.max(watermark, state.watermark, window.from + settings.overlapSeconds * 1000);

  // Forget finished calls whose legs can no longer be re-read.
  const nextFrom = watermark - settings.overlapSeconds * 1000;
  for (const [key, end] of finished) if (end < nextFrom) finished.delete(key);
  for (const [key, start] of pending) if (start < holdLimit) pending.delete(key);

  return {
    state: { version: 1, watermark, pending, finished, activeSince },
    events,
    settled: result.settled,
    pendingCount: pending.size,
  };
}
