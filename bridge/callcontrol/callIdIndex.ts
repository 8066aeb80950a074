import { callKeyOf, type CallLeg } from '../../lib/threecx/callLeg';

/**
 * The call log's `CallId` of each call (`CallHistoryId` → call numbers), learnt from the rows
 * the poller reads: what lets the stream's `callid` and the poller's call meet (callLinks.ts).
 * In memory and bounded: every poll re-reads its overlap window, so the calls the poller is
 * about to commit were always read in the same poll.
 */
const MAX_CALLS = 50_000;

export class CallIdIndex {
  private readonly byKey = new Map<string, Set<number>>();

  /** Learn from the rows of one call-log read. */
  observe(legs: readonly CallLeg[]): void {
    for (const leg of legs) {
      const callId = Number(leg.CallId);
      if (!Number.isInteger(callId)) continue;
      const key = callKeyOf(leg);
      let ids = this.byKey.get(key);
      if (!ids) {
        ids = new Set();
        this.byKey.set(key, ids);
        if (this.byKey.size > MAX_CALLS) {
          // Oldest first: Map keeps insertion order.
          const oldest = this.byKey.keys().next().value;
          if (oldest !== undefined) this.byKey.delete(oldest);
        }
      }
      ids.add(callId);
    }
  }

  /** The PBX call numbers of a call-log call (empty when its rows were never read). */
  callIdsOf(callKey: string): number[] {
    return [...(this.byKey.get(callKey) ?? [])];
  }
}
