import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import type { StallWindow } from './processMeter';

/**
 * `BENCH_CPU_PROFILE=FILE`: a CPU profile of the bridge process over a benchmark's measured
 * window only (not its setup), for Chrome DevTools or `npx speedscope`. A no-op otherwise.
 * The simulator host profiles itself the same way with `BENCH_SIM_CPU_PROFILE=FILE`
 * (bench/simHost.ts), over the same window.
 *
 * Given the stalls of the window (`ProcessMeter.stallWindows`, BENCH_STALLS=1), the stop also
 * prints what the profile sampled in each: the functions on top of the stack, and the
 * innermost and outermost of the bridge's own functions under them.
 *
 * `BENCH_CPU_PROFILE_SECONDS=N` stops the profile N seconds into the window (the stalls after
 * it are left out): profiling costs CPU and roughly doubles the stalls, so a profile of only
 * the first seconds disturbs the rest of the window less. `BENCH_CPU_PROFILE_INTERVAL_US`
 * (default 200) is the sampling interval: a larger one costs less.
 */
export async function profileWindow(
  file = process.env.BENCH_CPU_PROFILE,
  seconds = Number(process.env.BENCH_CPU_PROFILE_SECONDS ?? Infinity),
  intervalMicros = Number(process.env.BENCH_CPU_PROFILE_INTERVAL_US ?? 200),
): Promise<(stalls?: readonly StallWindow[]) => Promise<void>> {
  if (!file) return async () => undefined;
  const { session, post } = inspectorSession();
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: intervalMicros });
  await post('Profiler.start');
  let stopped: Promise<CpuProfile> | null = null;
  const stop = () =>
    (stopped ??= post('Profiler.stop').then(
      (result) => (result as { profile: CpuProfile }).profile,
    ));
  const early = Number.isFinite(seconds) ? setTimeout(() => void stop(), seconds * 1000) : null;
  early?.unref();
  return async (allStalls = []) => {
    if (early) clearTimeout(early);
    const profile = await stop();
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    process.stdout.write(`[profile] ${file}\n`);
    const ended = profile.startTime + profile.timeDeltas.reduce((sum, d) => sum + d, 0);
    const stalls = allStalls.filter((s) => s.fromMicros <= ended);
    if (stalls.length > 0) writeFileSync(`${file}.stalls.json`, JSON.stringify(stalls));
    for (const line of attributeStalls(profile, stalls)) process.stdout.write(`${line}\n`);
  };
}

/** An inspector session on this process, and its `post` as a promise. */
function inspectorSession(): {
  session: Session;
  post: (method: string, params?: object) => Promise<unknown>;
} {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, params ?? {}, (error, result) =>
        error ? reject(error) : resolve(result),
      ),
    );
  return { session, post };
}

/** Where a profile's sample was taken: a function in a file of the build or a library. */
interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

/** `name file:line`, the file relative to dist/ or node_modules/. */
function frameLabel({ functionName, url, lineNumber }: CallFrame): string {
  const file = url.replace(/^.*\/dist\//, '').replace(/^.*\/node_modules\//, '');
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
}

/** A frame of the bridge's own code (its build's bridge/ or lib/). */
function isOurFrame({ url }: CallFrame): boolean {
  return /\/dist\/(bridge|lib)\//.test(url);
}

/** The parts of a V8 CPU profile (`Profiler.stop`) read here. */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: CallFrame;
    children?: number[];
  }>;
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** One line per stall: what the profile sampled in it (see {@link profileWindow}). */
export function attributeStalls(profile: CpuProfile, stalls: readonly StallWindow[]): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (id: number) => frameLabel(byId.get(id)!.callFrame);
  const ours = (id: number) => isOurFrame(byId.get(id)!.callFrame);
  const times: number[] = [];
  let t = profile.startTime;
  for (const delta of profile.timeDeltas) times.push((t += delta));
  const top = (counts: Map<string, number>, total: number, n: number) =>
    [...counts]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, c]) => `${Math.round((c / total) * 100)} % ${name}`)
      .join('; ');
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  return stalls.map((stall) => {
    const self = new Map<string, number>();
    const inner = new Map<string, number>();
    const outer = new Map<string, number>();
    let total = 0;
    profile.samples.forEach((id, i) => {
      if (times[i] < stall.fromMicros || times[i] > stall.toMicros) return;
      total++;
      bump(self, label(id));
      let innermost: number | null = null;
      let outermost: number | null = null;
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
        if (ours(at)) {
          innermost ??= at;
          outermost = at;
        }
      if (innermost !== null) bump(inner, label(innermost));
      if (outermost !== null) bump(outer, label(outermost));
    });
    const ms = ((stall.toMicros - stall.fromMicros) / 1000).toFixed(0);
    if (total === 0) return `[stall-profile] ${ms} ms: no samples`;
    return `[stall-profile] ${ms} ms, ${total} samples | self: ${top(self, total, 4)} | ours, innermost: ${top(inner, total, 3)} | ours, outermost: ${top(outer, total, 3)}`;
  });
}

/**
 * `BENCH_ALLOC_PROFILE=FILE`: V8's sampling heap profiler over a benchmark's measured window
 * (`BENCH_ALLOC_PROFILE_SECONDS=N`: only its first N s), garbage included (objects the
 * scavenger and the mark-compactor freed are kept in the samples), so it says whose
 * allocation drives the young generation's collections: a scavenge costs what survives it,
 * but how often one runs is the allocation rate. The stop writes the profile
 * (`.heapprofile`, for Chrome DevTools) and prints the top allocators: the allocating
 * function itself, and the innermost and outermost of the bridge's own functions above it
 * (`BENCH_ALLOC_PROFILE_INTERVAL_BYTES`, default 16 KiB: one sample per that many bytes
 * allocated on average). A no-op without the variable.
 */
export async function allocationWindow(
  file = process.env.BENCH_ALLOC_PROFILE,
  seconds = Number(process.env.BENCH_ALLOC_PROFILE_SECONDS ?? Infinity),
  intervalBytes = Number(process.env.BENCH_ALLOC_PROFILE_INTERVAL_BYTES ?? 16_384),
): Promise<() => Promise<void>> {
  if (!file) return async () => undefined;
  const { session, post } = inspectorSession();
  await post('HeapProfiler.enable');
  await post('HeapProfiler.startSampling', {
    samplingInterval: intervalBytes,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  const startedAt = performance.now();
  let stopped: Promise<{ profile: SamplingHeapProfile; ms: number }> | null = null;
  const stop = () =>
    (stopped ??= post('HeapProfiler.stopSampling').then((result) => ({
      profile: (result as { profile: SamplingHeapProfile }).profile,
      ms: performance.now() - startedAt,
    })));
  const early = Number.isFinite(seconds) ? setTimeout(() => void stop(), seconds * 1000) : null;
  early?.unref();
  return async () => {
    if (early) clearTimeout(early);
    const { profile, ms } = await stop();
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
    process.stdout.write(`[alloc] ${file}\n`);
    for (const line of allocationSummary(profile, ms)) process.stdout.write(`${line}\n`);
  };
}

/** The parts of a sampling heap profile (`HeapProfiler.stopSampling`) read here. */
export interface SamplingHeapProfile {
  head: SamplingHeapNode;
}

interface SamplingHeapNode {
  callFrame: CallFrame;
  /** Bytes sampled with this frame on top. */
  selfSize: number;
  children: SamplingHeapNode[];
}

/**
 * What a sampling heap profile says (see {@link allocationWindow}): MiB allocated a second in
 * all, and the top allocators by the function on top, the innermost of the bridge's own
 * functions above it, and the outermost.
 */
export function allocationSummary(profile: SamplingHeapProfile, windowMs: number): string[] {
  const self = new Map<string, number>();
  const inner = new Map<string, number>();
  const outer = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, bytes: number) =>
    m.set(k, (m.get(k) ?? 0) + bytes);
  let total = 0;
  const walk = (node: SamplingHeapNode, innermost: string | null, outermost: string | null) => {
    const mine = isOurFrame(node.callFrame) ? frameLabel(node.callFrame) : null;
    const inside = mine ?? innermost;
    const outside = outermost ?? mine;
    if (node.selfSize > 0) {
      total += node.selfSize;
      add(self, frameLabel(node.callFrame), node.selfSize);
      add(inner, inside ?? '(none of ours)', node.selfSize);
      add(outer, outside ?? '(none of ours)', node.selfSize);
    }
    for (const child of node.children) walk(child, inside, outside);
  };
  walk(profile.head, null, null);
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  const top = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(
        ([name, bytes]) => `  ${mib(bytes)} MiB (${Math.round((bytes / total) * 100)} %) ${name}`,
      );
  return [
    `[alloc] ${mib(total)} MiB sampled in ${(windowMs / 1000).toFixed(1)} s (${mib(total / (windowMs / 1000))} MiB/s)`,
    '[alloc] by the allocating function:',
    ...top(self, 15),
    '[alloc] by the innermost of our functions above it:',
    ...top(inner, 20),
    '[alloc] by the outermost of our functions above it:',
    ...top(outer, 12),
  ];
}
