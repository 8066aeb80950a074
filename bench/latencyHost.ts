import type { TrafficMix } from '../sim';
import type { SimSpec } from './simHost';
import { SimHost } from './simHostClient';

/** More misses than a real office (half of all calls), so p99 rests on enough samples. */
export const MISSED_HEAVY_MIX: Partial<TrafficMix> = {
  answered: 40,
  missed: 20,
  voicemail: 20,
  abandoned: 10,
  internal: 5,
  outbound: 5,
};

/**
 * The PBXs of a latency scenario in the child process, on wall-clock time, with missed-heavy
 * traffic that started `backfillMinutes` ago: the bridge meets a PBX in its steady state.
 */
export async function startLatencyHost(scenario: {
  pbxs: number;
  callsPerMinute: number;
  backfillMinutes: number;
  clients?: SimSpec['clients'];
}): Promise<SimHost> {
  const host = await SimHost.start(
    Array.from({ length: scenario.pbxs }, (_, i) => ({
      seed: i + 1,
      clients: scenario.clients,
      clock: { mode: 'realtime' as const },
    })),
  );
  try {
    await host.traffic({
      callsPerMinute: scenario.callsPerMinute,
      mix: MISSED_HEAVY_MIX,
      backfillMs: scenario.backfillMinutes * 60_000,
    });
  } catch (error) {
    await host.close();
    throw error;
  }
  return host;
}
