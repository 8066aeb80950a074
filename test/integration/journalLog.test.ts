import { memoryLogger } from '../faults/support';
import { addJournalOnlyLocation, journal, threecxFor } from '../support/template/journalTestKit';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * What the bridge logs when 3CX posts to the journal (3cx-template.xml's `ReportCall`): a line
 * per post only at `debug`. At `info` the events it stores are counted per location
 * (bridge/eventLog.ts), as for every other source: a line per post is a line per call.
 */
let t: TestBridge | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function oneMissedCallJournaled(level: 'info' | 'debug') {
  const log = memoryLogger(level);
  t = await startTestBridge({ bridge: { logger: log.logger } });
  const office = addJournalOnlyLocation(t, 'Darwin Office');
  const now = t.sim.clock.now();
  const run = await journal(threecxFor(t, office.apiKey), {
    callType: 'Missed',
    number: '+61412345678',
    agent: '101',
    startedAt: now - 30_000,
    endedAt: now - 2_000,
  });
  expect(run.response?.status).toBe(200);
  const callId = (run.response!.body as { call_id: string }).call_id;
  return { lines: log.lines(), callId, locationId: office.locationId };
}

describe('the log of journal posts', () => {
  it('at info: no line per post', async () => {
    const { lines } = await oneMissedCallJournaled('info');
    expect(lines.filter((l) => l.msg === 'journal entry')).toEqual([]);
  });

  it('at debug: one line per post, with its call and status', async () => {
    const { lines, callId, locationId } = await oneMissedCallJournaled('debug');
    expect(lines.filter((l) => l.msg === 'journal entry')).toEqual([
      expect.objectContaining({ level: 20, location: locationId, call: callId }),
    ]);
  });
});
