import type { PbxDirectory } from '../pbxDirectory';
import type { SeededRandom } from '../seededRandom';
import type { SimClock } from '../simClock';
import type { SimFaults } from '../simFaults';
import type { SimPbx } from '../simPbx';
import type { TokenIssuer } from '../tokenIssuer';
import { CallControlState } from './callControlState';
import { CallControlStream } from './callControlStream';

/** How the simulator plays Call Control (docs/3cx-facts.md §2). */
export interface CallControlOptions {
  /**
   * Devices per extension (default: the first extension has two, a desk phone and the app, so
   * one DN rings as two participants, docs/3cx-facts.md §2.4; every other extension one).
   */
  devices?: Record<string, number>;
  /** Share of upserts sent twice (default 0.25, §2.4 "identical upserts repeat"). */
  duplicateUpserts?: number;
}

/** The Call Control side of one simulated PBX: the participant view and its WebSocket. */
export interface SimCallControl {
  state: CallControlState;
  stream: CallControlStream;
}

export function createSimCallControl(
  deps: {
    pbx: SimPbx;
    directory: PbxDirectory;
    clock: SimClock;
    tokens: TokenIssuer;
    faults: SimFaults;
    random: SeededRandom;
  },
  options: CallControlOptions = {},
): SimCallControl {
  const firstExtension = deps.directory.config.extensions[0]?.dn;
  const devices = options.devices ?? (firstExtension ? { [firstExtension]: 2 } : {});
  const state = new CallControlState(
    deps.pbx,
    deps.directory,
    (dn) => devices[dn] ?? 1,
    () => deps.clock.now(),
  );
  const stream = new CallControlStream({
    state,
    tokens: deps.tokens,
    faults: deps.faults,
    random: deps.random,
    duplicateUpserts: options.duplicateUpserts ?? 0.25,
  });
  return { state, stream };
}
