import { allocationSummary, type SamplingHeapProfile } from '../../bench/cpuProfile';

/**
 * `BENCH_ALLOC_PROFILE` says whose allocation drives the young generation's collections
 * (BENCHMARKS.md "stall7"): bytes a library allocates count for the innermost and the outermost
 * of the bridge's own functions above it, and the rate is per second of the window.
 */
describe('the allocation summary', () => {
  const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 9 });
  const node = (
    callFrame: ReturnType<typeof frame>,
    selfSize: number,
    children: SamplingHeapProfile['head'][] = [],
  ): SamplingHeapProfile['head'] => ({ callFrame, selfSize, children });
  const MiB = 2 ** 20;

  it('counts a library’s bytes for our innermost and outermost functions above it', () => {
    const profile: SamplingHeapProfile = {
      head: node(frame('(root)', ''), 0, [
        node(frame('storeEvents', '/r/dist/bridge/ingest/locationIngest.js'), 1 * MiB, [
          node(frame('storeBatch', '/r/dist/bridge/ingest/locationIngest.js'), 0, [
            node(frame('parse', ''), 3 * MiB),
          ]),
        ]),
        node(frame('onRequest', '/r/node_modules/fastify/lib/route.js'), 2 * MiB),
      ]),
    };
    const lines = allocationSummary(profile, 2000);
    expect(lines[0]).toBe('[alloc] 6.0 MiB sampled in 2.0 s (3.0 MiB/s)');
    const section = (title: string) => {
      const from = lines.findIndex((l) => l.includes(title)) + 1;
      const to = lines.findIndex((l, i) => i >= from && l.startsWith('[alloc]'));
      return lines.slice(from, to < 0 ? undefined : to).map((l) => l.trim());
    };
    expect(section('by the allocating function')).toEqual([
      '3.0 MiB (50 %) parse',
      '2.0 MiB (33 %) onRequest fastify/lib/route.js:10',
      '1.0 MiB (17 %) storeEvents bridge/ingest/locationIngest.js:10',
    ]);
    expect(section('innermost')).toEqual([
      '3.0 MiB (50 %) storeBatch bridge/ingest/locationIngest.js:10',
      '2.0 MiB (33 %) (none of ours)',
      '1.0 MiB (17 %) storeEvents bridge/ingest/locationIngest.js:10',
    ]);
    expect(section('outermost')).toEqual([
      '4.0 MiB (67 %) storeEvents bridge/ingest/locationIngest.js:10',
      '2.0 MiB (33 %) (none of ours)',
    ]);
  });
});
