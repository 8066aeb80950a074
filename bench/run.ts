import { connectionFloodBench } from './connectionFlood';
import { latencyBench } from './latencyBench';
import { locationsBench } from './locationsBench';
import { machineLine } from './report';
import { settleBench } from './settleBench';
import { storeBench } from './storeBench';
import { throughputBench } from './throughputBench';

/**
 * `npm run bench [-- name ...]`: prints figures, asserts nothing. Each benchmark is a separate
 * function so one can be run alone: `npm run bench -- settle`.
 */
const BENCHMARKS: Record<string, () => Promise<void>> = {
  settle: () => settleBench(),
  latency: () => latencyBench(),
  throughput: () => throughputBench(),
  locations: () => locationsBench(),
  store: () => storeBench(),
  connections: () => connectionFloodBench(),
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
  process.stdout.write(`${machineLine()}\n`);
  for (const name of names) await BENCHMARKS[name]();
}

void run();
