import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/**
 * `BENCH_CPU_PROFILE=FILE`: a CPU profile of the bridge process over a benchmark's measured
 * window only (not its setup), for Chrome DevTools or `npx speedscope`. A no-op otherwise.
 * The simulator host profiles itself the same way with `BENCH_SIM_CPU_PROFILE=FILE`
 * (bench/simHost.ts), over the same window.
 */
export async function profileWindow(
  file = process.env.BENCH_CPU_PROFILE,
): Promise<() => Promise<void>> {
  if (!file) return async () => undefined;
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params ?? {}, (error, result) =>
        error ? reject(error) : resolve(result),
      ),
    );
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 200 });
  await post('Profiler.start');
  return async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    process.stdout.write(`[profile] ${file}\n`);
  };
}
