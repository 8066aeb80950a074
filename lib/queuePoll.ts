/**
 * An agent a queue rang for a call that nobody answered, as 3CX's Abandoned Queue Calls report
 * lists it (docs/3cx-facts.md §1.7, §8; docs/xapi-schemas.md §2.8). The call log leaves such
 * polls out (it is read with `hidePcalls=true`), so without the report a queue call whose
 * caller gave up while agents rang looks as if no agent ever rang.
 */
export interface QueuePoll {
  /** The queue's DN (`QueueDn`). */
  queue: string;
  queueName: string | null;
  /** The agent's extension (`ExtensionDn`). */
  agent: string;
  agentName: string | null;
  /** `PollingAttempts`; null when the report leaves it out. 0 means the agent never rang. */
  attempts: number | null;
}

/** The agent's phone rang at least once (a missing count is read as "rang": the row exists). */
export function agentRang(poll: QueuePoll): boolean {
  return poll.attempts === null || poll.attempts > 0;
}
