import { followUpTruth, startSimulator, type SimCall, type Simulator } from '../../sim';
import { defaultOfficeHours, OfficeSchedule } from '../../sim/officeSchedule';

/**
 * The simulator's follow-up traffic (call backs, callers ringing again, redials) and its
 * ground truth, the side the bridge's call-back tracking is measured against.
 */
const sims: Simulator[] = [];
afterAll(async () => {
  await Promise.all(sims.map((s) => s.close()));
});
async function sim(): Promise<Simulator> {
  const s = await startSimulator({ clock: { mode: 'manual', start: '2026-03-03T00:00:00Z' } });
  sims.push(s);
  return s;
}
const describeCall = (c: SimCall) =>
  `${c.startedAt} ${c.kind} ${JSON.stringify(c.script)} ${c.expected.outcome}`;

describe('follow-up traffic', () => {
  it('places the same calls for a seed however the clock is stepped', async () => {
    const [fine, coarse] = await Promise.all([sim(), sim()]);
    for (const s of [fine, coarse])
      s.pbx.startTraffic({ callsPerMinute: 1, seed: 3, followUps: { callBackShare: 0.8 } });
    for (let i = 0; i < 6 * 360; i++) fine.clock.advance(10);
    for (let i = 0; i < 6 * 6; i++) coarse.clock.advance(600);
    const calls = (s: Simulator) => s.pbx.calls().map(describeCall).sort();
    expect(calls(coarse)).toEqual(calls(fine));
    const outbound = fine.pbx.calls().filter((c) => c.kind === 'outbound');
    expect(outbound.length).toBeGreaterThan(20);
  });

  it('calls back, rings again and redials only after misses from a number', async () => {
    const s = await sim();
    s.pbx.startTraffic({
      callsPerMinute: 2,
      seed: 9,
      mix: { answered: 0, internal: 0, outbound: 0, missed: 1, voicemail: 0, abandoned: 0 },
      followUps: { callBackShare: 0.5, callAgainShare: 1, redialShare: 0.5 },
    });
    s.clock.advance(8 * 3600);
    const calls = s.pbx.calls();
    const missedNumbers = new Set(
      calls
        .filter((c) => c.expected.direction === 'inbound' && c.expected.outcome !== 'answered')
        .map((c) => (c.script as { caller?: string }).caller),
    );
    const backs = calls.filter((c) => c.kind === 'outbound');
    expect(backs.length).toBeGreaterThan(30);
    for (const back of backs)
      expect(missedNumbers.has((back.script as { number: string }).number)).toBe(true);
  });
});

describe('followUpTruth', () => {
  it('folds a redial, returns a miss by the first call that connects and counts the tries before', async () => {
    const s = await sim();
    const at = (minutes: number) => Date.parse('2026-03-03T00:00:00Z') + minutes * 60_000;
    const caller = '+61412345111';
    const miss = s.pbx.placeCall({
      kind: 'direct',
      extension: '101',
      result: 'hangup',
      caller,
      at: at(0),
    });
    const redial = s.pbx.placeCall({
      kind: 'direct',
      extension: '101',
      result: 'hangup',
      caller,
      at: at(3),
    });
    s.pbx.placeCall({
      kind: 'outbound',
      from: '102',
      number: caller,
      result: 'unanswered',
      at: at(20),
    });
    const back = s.pbx.placeCall({
      kind: 'outbound',
      from: '103',
      number: caller,
      result: 'answered',
      at: at(40),
    });
    s.pbx.placeCall({ kind: 'direct', extension: '104', result: 'answered', caller, at: at(60) });
    const withheld = s.pbx.placeCall({
      kind: 'direct',
      extension: '101',
      result: 'hangup',
      caller: 'Anonymous',
      at: at(5),
    });
    s.clock.advance(3 * 3600);
    const schedule = new OfficeSchedule(defaultOfficeHours('Australia/Adelaide'));
    const truth = followUpTruth(s.pbx.calls(), { isOpen: (ms) => schedule.isOpen(ms) });
    expect(
      truth.map((m) => [
        m.callId,
        m.folded,
        m.returned?.callId ?? null,
        m.returned?.via ?? null,
        m.returned?.by ?? null,
        m.callbackAttempts,
      ]),
    ).toEqual([
      [miss.callHistoryId, false, back.callHistoryId, 'callback', '103', 1],
      [redial.callHistoryId, true, null, null, null, 0],
      [withheld.callHistoryId, false, null, null, null, 0],
    ]);
    expect(truth[0].afterHours).toBe(false); // Tuesday 10:30 in Adelaide
  });
});
