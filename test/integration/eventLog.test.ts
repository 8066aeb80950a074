import { memoryLogger } from '../faults/support';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * What the bridge's log says about the events it stores (bridge/eventLog.ts): at `info` one line
 * of counts per location and period, with no caller's number and no line per event; at `debug`
 * a line per event too, with the number, for tracing one call.
 */
let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const MISSED_CALLER = '+61412000001';
const ANSWERED_CALLER = '+61412000002';

/** A missed call (a queue to voicemail) and an answered one, polled until both have settled. */
async function twoCallsSettled(bridge: TestBridge): Promise<void> {
  await bridge.tick();
  const missed = bridge.sim.pbx.placeCall({
    kind: 'queue',
    result: 'voicemail',
    caller: MISSED_CALLER,
    messageSeconds: 20,
  });
  const answered = bridge.sim.pbx.placeCall({
    kind: 'direct',
    extension: '101',
    result: 'answered',
    caller: ANSWERED_CALLER,
    talkSeconds: 30,
  });
  const endedAt = Math.max(missed.endedAt, answered.endedAt);
  // Past the hang-ups and the grace period, polling every 5 s as the scheduler would.
  while (bridge.sim.clock.now() < endedAt + 30_000) await bridge.advance(5);
}

function storedEventLines(lines: Array<Record<string, unknown>>) {
  return lines.filter((l) => typeof l.event === 'string' && String(l.event).startsWith('call.'));
}

describe('the log of stored events', () => {
  it('at info: counts per location, no line per event, no caller numbers', async () => {
    const log = memoryLogger('info');
    t = await startTestBridge({ bridge: { logger: log.logger } });
    await twoCallsSettled(t);
    expect(storedEventLines(log.lines())).toEqual([]);

    t.bridge.logEventCounts();
    const counts = log.lines().filter((l) => l.events !== undefined);
    expect(counts).toHaveLength(1);
    expect(counts[0]).toMatchObject({
      level: 30,
      location: 'Adelaide Office',
      locationId: t.locationId,
      events: { 'call.started': 2, 'call.ended': 2, 'call.missed': 1 },
    });
    expect(counts[0].msg).toMatch(
      /^Adelaide Office: events stored in the last \d+ s: .*1 call\.missed/,
    );
    const text = JSON.stringify(log.lines());
    expect(text).not.toContain(MISSED_CALLER);
    expect(text).not.toContain(ANSWERED_CALLER);

    // Counting starts again: nothing new, no line.
    t.bridge.logEventCounts();
    expect(log.lines().filter((l) => l.events !== undefined)).toHaveLength(1);
  }, 60_000);

  it('at debug: a line per stored event too, with the caller', async () => {
    const log = memoryLogger('debug');
    t = await startTestBridge({ bridge: { logger: log.logger } });
    await twoCallsSettled(t);
    const missed = storedEventLines(log.lines()).filter((l) => l.event === 'call.missed');
    expect(missed).toEqual([
      expect.objectContaining({ level: 20, caller: MISSED_CALLER, msg: 'call.missed' }),
    ]);
    expect(storedEventLines(log.lines())).toHaveLength(5);
  }, 60_000);

  it('writes the last counts when the bridge stops', async () => {
    const log = memoryLogger('info');
    t = await startTestBridge({ bridge: { logger: log.logger } });
    await twoCallsSettled(t);
    await t.close();
    t = undefined;
    expect(log.lines().filter((l) => l.events !== undefined)).toEqual([
      expect.objectContaining({ events: { 'call.started': 2, 'call.ended': 2, 'call.missed': 1 } }),
    ]);
  }, 60_000);
});
