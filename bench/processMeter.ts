import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * This process's CPU (as % of one core), peak RSS and event-loop delay over a stretch of wall
 * time. In the benchmarks this process is the bridge: the PBXs and the receiver run in the
 * sim host's child process.
 */
export class ProcessMeter {
  private readonly cpu = process.cpuUsage();
  private readonly startedAt = performance.now();
  /** Sampled every 1 ms; figures are the delay beyond that (0 = the loop was free). */
  private readonly loop: ReturnType<typeof monitorEventLoopDelay> = monitorEventLoopDelay({
    resolution: 1,
  });
  private peakRss = process.memoryUsage().rss;
  private readonly sampler: NodeJS.Timeout;

  constructor() {
    this.loop.enable();
    this.sampler = setInterval(() => {
      this.peakRss = Math.max(this.peakRss, process.memoryUsage().rss);
    }, 250);
    this.sampler.unref();
  }

  stop(): {
    cpuPercent: number;
    peakRssMiB: number;
    loopP50Ms: number;
    loopP99Ms: number;
    loopMaxMs: number;
    seconds: number;
  } {
    clearInterval(this.sampler);
    this.loop.disable();
    const used = process.cpuUsage(this.cpu);
    const seconds = (performance.now() - this.startedAt) / 1000;
    this.peakRss = Math.max(this.peakRss, process.memoryUsage().rss);
    return {
      seconds,
      cpuPercent: ((used.user + used.system) / 1e6 / seconds) * 100,
      peakRssMiB: this.peakRss / 2 ** 20,
      loopP50Ms: Math.max(0, this.loop.percentile(50) / 1e6 - 1),
      loopP99Ms: Math.max(0, this.loop.percentile(99) / 1e6 - 1),
      loopMaxMs: Math.max(0, this.loop.max / 1e6 - 1),
    };
  }
}

/** `sum` and `count` of a Prometheus histogram in `/metrics` text (no labels). */
export function histogramSumCount(text: string, name: string): { sum: number; count: number } {
  const read = (suffix: string) => {
    const match = new RegExp(`^${name}_${suffix}(?:\\{\\})? (\\S+)$`, 'm').exec(text);
    return match ? Number(match[1]) : NaN;
  };
  return { sum: read('sum'), count: read('count') };
}
