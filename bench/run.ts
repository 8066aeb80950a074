import { catchupBench } from './catchupBench';
import { connectionFloodBench } from './connectionFlood';
import { bigStoreBench } from './bigStoreBench';
import { clusterBench } from './clusterBench';
import { fairnessBench } from './fairnessBench';
import { feedFloodBench } from './feedFloodBench';
import { latencyBench } from './latencyBench';
import { locationsBench } from './locationsBench';
import { writeFileSync } from 'node:fs';
import { relaunchTrustingReceivers } from './benchTls';
import { runEachInOwnProcess, runsEachInOwnProcess } from './benchProcesses';
import { beginBenchmark, figures, machineLine } from './report';
import { reportsBench } from './reportsBench';
import { replayBench } from './replayBench';
import { settleBench } from './settleBench';
import { steadyStateBench } from './steadyStateBench';
import { storeBench } from './storeBench';
import { throughputBench } from './throughputBench';

/**
 * `npm run bench [-- name ...]`: prints figures, asserts nothing; `BENCH_JSON=FILE` also writes
 * them as JSON. Each benchmark is a separate
 * function so one can be run alone: `npm run bench -- settle`; a run of several starts each in a
 * process of its own (bench/benchProcesses.ts).
 */
const BENCHMARKS: Record<string, () => Promise<void>> = {
  settle: () => settleBench(),
  latency: () => latencyBench(),
  throughput: () => throughputBench(),
  locations: () => locationsBench(),
  store: () => storeBench(),
  fairness: () => fairnessBench(),
  bigstore: () => bigStoreBench(),
  reports: () => reportsBench(),
  steady: () => steadyStateBench(),
  replay: () => replayBench(),
  connections: () => connectionFloodBench(),
  cluster: () => clusterBench(),
  'feed-flood': () => feedFloodBench(),
  catchup: () => catchupBench(),
};

async function run(): Promise<void> {
  const wanted = process.argv.slice(2);
  const names = wanted.length > 0 ? wanted : Object.keys(BENCHMARKS);
  const unknown = names.filter((n) => !(n in BENCHMARKS));
  if (unknown.length > 0) {
    process.stderr.write(
      `unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}\n`,
    );
    process.exitCode = 2;
    return;
  }
  if (runsEachInOwnProcess(names)) {
    announceMachine();
    process.exitCode = runEachInOwnProcess(names);
    writeJson();
    return;
  }
  // https receivers need a process that trusts their certificate from its start (bench/benchTls.ts).
  const relaunched = relaunchTrustingReceivers(names);
  if (relaunched !== null) {
    process.exitCode = relaunched;
    return;
  }
  announceMachine();
  for (const name of names) {
    beginBenchmark(name);
    await BENCHMARKS[name]();
  }
  writeJson();
}

/** The machine line, read once: printed, and kept with the figures. */
function announceMachine(): void {
  figures.machine = machineLine();
  process.stdout.write(`${figures.machine}\n`);
}

/** `BENCH_JSON=FILE`: the same figures as JSON, for comparing runs (bench/report.ts). */
function writeJson(): void {
  const file = process.env.BENCH_JSON;
  if (file) {
    writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
    process.stdout.write(`\nfigures written to ${file}\n`);
  }
}

void run();
