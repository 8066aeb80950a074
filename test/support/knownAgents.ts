import type { SimCall } from '../../sim';

/**
 * The agents of a simulated call the bridge can know of, in the order they rang: those with a
 * leg in the call log as 3CX serves it (`hidePcalls=true` leaves out the queue polls nobody
 * answered), and those the abandoned-queue report names (agents polled for a call whose caller
 * hung up in the queue). The polls of a queue call that timed out to voicemail are in neither:
 * a documented gap (docs/3cx-facts.md §8), so they are not expected in `agents_rung`.
 */
export function knownAgents(call: SimCall): string[] {
  const known = new Set<string>();
  for (const leg of call.legs) {
    if (leg.destinationKind === 'extension' && !leg.queuePoll) {
      known.add(leg.row.DestinationDn ?? '');
    }
  }
  if (call.queueVisit?.abandoned) {
    for (const poll of call.queueVisit.polls) if (poll.attempts > 0) known.add(poll.agent);
  }
  return call.expected.agentsRung.filter((a) => known.has(a));
}
