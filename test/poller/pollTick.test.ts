import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initialPollerState, type PollerState } from '../../lib/poller/pollerState';
import {
  DEFAULT_POLL_SETTINGS,
  planTick,
  processTick,
  processTickInSlices,
  type PollSettings,
} from '../../lib/poller/pollTick';
import type { CallLeg } from '../../lib/threecx/callLeg';
import { parseUtcMillis } from '../../lib/utcTime';
import { parseDurationSeconds } from '../../lib/duration';

const settings: PollSettings = {
  ...DEFAULT_POLL_SETTINGS,
  settle: { graceSeconds: 10, country: 'AU' },
};
const fixture = (name: string): CallLeg[] =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'calls', name), 'utf8')).legs;
const legEnd = (leg: CallLeg) =>
  parseUtcMillis(leg.StartTime) +
  ((parseDurationSeconds(leg.RingingDuration) ?? 0) +
    (parseDurationSeconds(leg.TalkingDuration) ?? 0)) *
    1000;

/** What 3CX shows at `now`: legs that have ended; the call active while any leg lives. */
function pbxAt(legs: CallLeg[], now: number, callEnd: number) {
  return {
    legs: legs.filter((leg) => legEnd(leg) <= now),
    active: now < callEnd ? [String(legs[0].CallId)] : [],
  };
}

function tick(state: PollerState, now: number, view: { legs: CallLeg[]; active: string[] }) {
  const window = planTick(state, now, settings);
  const legs = view.legs.filter((l) => {
    const start = parseUtcMillis(l.StartTime);
    return start >= window.from && start <= window.to;
  });
  return processTick(
    { state, window, now, legs, activeCallIds: view.active, dialedNumbers: new Map() },
    settings,
  );
}

describe('the poller core across ticks', () => {
  // Alice does not answer within 20 s, the caller leaves a message: voicemail leg ends at +58.5 s.
  const legs = fixture('07-voicemail-with-message.json');
  const start = parseUtcMillis(legs[0].StartTime);
  const callEnd = Math.max(...legs.map(legEnd));

  it('emits nothing missed while the caller is still leaving a voicemail, then exactly one call.missed', () => {
    let state = initialPollerState(start - 60_000);
    const seen: string[] = [];
    for (let t = start; t <= start + 180_000; t += 5_000) {
      const outcome = tick(state, t, pbxAt(legs, t, callEnd));
      seen.push(...outcome.events.map((e) => `${e.type}@${(t - start) / 1000}`));
      state = outcome.state;
    }
    // The unanswered extension leg is in the log from +20 s; the call only settles once it has
    // left ActiveCalls (at +58.5 s) and the 10 s grace has passed.
    expect(seen).toEqual(['call.started@20', 'call.ended@70', 'call.missed@70']);
  });

  it('reports the voicemail on the missed call', () => {
    const state = initialPollerState(start - 60_000);
    const outcome = tick(state, start + 300_000, pbxAt(legs, start + 300_000, callEnd));
    const missed = outcome.events.find((e) => e.type === 'call.missed');
    expect(missed?.call).toMatchObject({
      outcome: 'voicemail',
      voicemail: true,
      voicemail_left: true,
    });
  });

  it('never moves the watermark past a pending call, and forgets finished calls once out of reach', () => {
    let state = initialPollerState(start - 60_000);
    state = tick(state, start + 30_000, pbxAt(legs, start + 30_000, callEnd)).state;
    expect(state.watermark).toBeLessThanOrEqual(start);
    expect(state.pending.size).toBe(1);
    state = tick(state, start + 120_000, pbxAt(legs, start + 120_000, callEnd)).state;
    expect(state.pending.size).toBe(0);
    expect(state.finished.size).toBe(1);
    state = tick(state, start + 3_600_000, pbxAt(legs, start + 3_600_000, callEnd)).state;
    expect(state.finished.size).toBe(0);
    expect(state.watermark).toBe(start + 3_600_000);
  });

  it('keeps in its state the times its events show, in whole milliseconds', () => {
    // 3CX writes up to seven fraction digits: the voicemail leg ends 0.4567 ms past a millisecond.
    const odd = legs.map((leg, i) =>
      i === legs.length - 1 ? { ...leg, TalkingDuration: 'PT38.5004567S' } : leg,
    );
    const oddEnd = Math.max(...odd.map(legEnd));
    let state = initialPollerState(start - 60_000);
    let outcome = tick(state, start + 30_000, pbxAt(odd, start + 30_000, oddEnd));
    const started = outcome.events.find((e) => e.type === 'call.started')!;
    expect([...outcome.state.pending.values()]).toEqual([Date.parse(started.call.started_at)]);
    state = outcome.state;
    outcome = tick(state, start + 120_000, pbxAt(odd, start + 120_000, oddEnd));
    const ended = outcome.events.find((e) => e.type === 'call.ended')!;
    expect(ended.call.ended_at).toBe('2026-03-02T09:00:58.500Z');
    expect([...outcome.state.finished.values()]).toEqual([Date.parse(ended.call.ended_at)]);
  });

  it('holds the watermark for a call active with no leg in the log yet', () => {
    const state = initialPollerState(start - 300_000);
    const outcome = tick(state, start + 10_000, { legs: [], active: ['777'] });
    expect(outcome.events).toEqual([]);
    expect(outcome.state.watermark).toBe(start + 10_000 - settings.activeMarginSeconds * 1000);
    expect(outcome.state.activeSince).toEqual(new Map([['777', start + 10_000]]));
  });

  it('fires nothing for internal calls unless the location opted in', () => {
    const internal = fixture('11-internal-unanswered.json');
    const t = parseUtcMillis(internal[0].StartTime) + 600_000;
    const state = initialPollerState(t - 900_000);
    const view = { legs: internal, active: [] };
    expect(tick(state, t, view).events).toEqual([]);
    const optedIn = processTick(
      {
        state,
        window: planTick(state, t, settings),
        now: t,
        legs: internal,
        activeCallIds: [],
        dialedNumbers: new Map(),
      },
      { ...settings, includeInternal: true },
    );
    expect(optedIn.events.map((e) => e.type)).toEqual(['call.started', 'call.ended']);
  });

  it('catches up a long gap in windows, settling each window at its own end', () => {
    const state = initialPollerState(start - 10 * 3600_000);
    const window = planTick(state, start, settings);
    expect(window.catchingUp).toBe(true);
    expect(window.to - window.from).toBe(settings.maxCatchUpSeconds * 1000);
    expect(window.settleAt).toBe(window.to);
  });
});

describe('settling a tick in slices', () => {
  // Every recorded call at once: settled, pending (still active, inside the grace period) and
  // duplicate rows; a slice boundary can fall anywhere between two calls.
  const legs = readdirSync(join(__dirname, '..', 'fixtures', 'calls')).flatMap(fixture);
  const latest = Math.max(...legs.map(legEnd));

  it.each([1, 3, 7, 1000])('gives the same outcome as one settle, %i legs a slice', async (n) => {
    const now = latest + 5_000;
    const state = initialPollerState(now - 3_600_000);
    const input = {
      state,
      window: planTick(state, now, settings),
      now,
      legs,
      activeCallIds: [String(legs[0].CallId)],
      dialedNumbers: new Map(),
    };
    const whole = processTick(input, settings);
    let yields = 0;
    const sliced = await processTickInSlices(input, settings, async () => void yields++, n);
    expect(sliced).toEqual(whole);
    expect(whole.events.length).toBeGreaterThan(10);
    expect(whole.pendingCount).toBeGreaterThan(0);
    if (n === 1) expect(yields).toBeGreaterThan(10);
  });
});
