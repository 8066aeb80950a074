import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SettleResult } from '../../lib/settledCall';
import { startSimulator, type Simulator } from '../../sim';
import { abandonedExportCsv, callLogExportCsv } from '../../bench/callLogExportCsv';
import { knownAgents } from '../support/knownAgents';
import { runCli } from '../support/runCli';

/**
 * The simulator's calls, written as 3CX's CSV exports, replayed: the export path (no DN types,
 * no CallType, local times, numbers as dialled) classifies every call as the simulator's
 * script says, once the admin has named the IVR and the ring group (exports do not show what
 * a DN is).
 */
let sim: Simulator;
let dir: string;
beforeAll(async () => {
  sim = await startSimulator({ seed: 17, country: 'IE', timeZone: 'Europe/Dublin' });
  dir = mkdtempSync(join(tmpdir(), 'replay-sim-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await sim.close();
});

it('agrees with the simulated truth on an hour of traffic', async () => {
  sim.pbx.startTraffic({ callsPerMinute: 8, seed: 17 });
  sim.clock.advance(3600);
  sim.pbx.stopTraffic();
  sim.clock.advance(3600);
  const calls = sim.pbx.calls();
  expect(calls.length).toBeGreaterThan(400);
  const callLog = join(dir, 'call-log.csv');
  const abandoned = join(dir, 'abandoned.csv');
  writeFileSync(callLog, callLogExportCsv(calls, 'Europe/Dublin'));
  writeFileSync(abandoned, abandonedExportCsv(calls, 'Europe/Dublin'));

  const run = await runCli([
    'replay',
    '--call-log',
    callLog,
    '--abandoned',
    abandoned,
    '--country',
    'IE',
    '--timezone',
    'Europe/Dublin',
    '--dn-role',
    '8000=ivr',
    '8002=ring_group',
    '--json',
  ]);
  expect(run.stderr).toBe('');
  const { settled } = JSON.parse(run.stdout) as SettleResult;
  const byId = new Map(settled.map((c) => [c.call_id, c]));
  const wrong = calls.flatMap((call) => {
    const got = byId.get(call.callHistoryId ?? '');
    const want = {
      direction: call.expected.direction,
      outcome: call.expected.outcome,
      voicemail_left: call.expected.voicemailLeft,
      agents_rung: knownAgents(call),
    };
    const seen = got && {
      direction: got.direction,
      outcome: got.outcome,
      voicemail_left: got.voicemail_left,
      agents_rung: got.agents_rung,
    };
    return JSON.stringify(seen) === JSON.stringify(want) ? [] : [{ kind: call.kind, want, seen }];
  });
  expect(wrong).toEqual([]);
});
