import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../bridge/cli/main';
import { startSimulator } from '../sim';
import { abandonedExportCsv, callLogExportCsv } from './callLogExportCsv';
import { printTable, round } from './report';

/**
 * `3cx-bridge replay` on a 60,000-leg call-log export (and its abandoned-queue export), as an
 * admin would run it on three months of a busy PBX: simulated traffic written as 3CX's CSV
 * exports (bench/callLogExportCsv.ts), then the command itself, in process, timed.
 */
export async function replayBench(options: { legs?: number } = {}): Promise<void> {
  const targetLegs = options.legs ?? 60_000;
  const sim = await startSimulator({ seed: 9, country: 'IE', timeZone: 'Europe/Dublin' });
  const dir = mkdtempSync(join(tmpdir(), 'replay-bench-'));
  try {
    sim.pbx.startTraffic({ callsPerMinute: 6, seed: 9 });
    let legs = 0;
    while (legs < targetLegs) {
      sim.clock.advance(3600);
      legs = sim.pbx
        .calls()
        .reduce(
          (n, c) => n + c.legs.filter((l) => !l.queuePoll && l.endedAt <= sim.clock.now()).length,
          0,
        );
    }
    sim.pbx.stopTraffic();
    sim.clock.advance(3600);
    const calls = sim.pbx.calls();
    const callLog = join(dir, 'call-log.csv');
    const abandoned = join(dir, 'abandoned-queue-calls.csv');
    writeFileSync(callLog, callLogExportCsv(calls, 'Europe/Dublin'));
    writeFileSync(abandoned, abandonedExportCsv(calls, 'Europe/Dublin'));

    let stdout = '';
    const cpu = process.cpuUsage();
    const started = performance.now();
    const code = await main(
      [
        'replay',
        '--call-log',
        callLog,
        '--abandoned',
        abandoned,
        '--country',
        'IE',
        '--timezone',
        'Europe/Dublin',
        '--json',
      ],
      {
        stdout: (t) => (stdout += t),
        stderr: () => undefined,
        readInput: async (p) => (await import('node:fs/promises')).readFile(p, 'utf8'),
        env: {},
      },
    );
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    if (code !== 0) throw new Error(`replay exited ${code}`);
    const settled = (JSON.parse(stdout) as { settled: unknown[] }).settled.length;
    printTable('replay: a call-log export through `3cx-bridge replay --json`', [
      {
        legs: calls.reduce((n, c) => n + c.legs.filter((l) => !l.queuePoll).length, 0),
        calls: settled,
        'wall s': round(seconds, 2),
        'cpu s': round((used.user + used.system) / 1e6, 2),
        'legs/s': Math.round(legs / seconds),
      },
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await sim.close();
  }
}
