import type { FastifyReply } from 'fastify';
import type { CallControlStatus } from '../callcontrol/callControlService';
import type { BridgeMetrics } from '../metrics';
import type { InboundCallSource } from '../reports/reconciliation';
import type { AdminToken } from '../secrets/adminToken';
import type { LocationPollStatus } from '../ingest/pollScheduler';
import type { BridgeStore } from '../store/bridgeStore';
import type { WorkTurns } from '../workTurns';

/** What the HTTP routes need from the running bridge. */
export interface ApiContext {
  store: BridgeStore;
  metrics: BridgeMetrics;
  now: () => number;
  /**
   * The address subscribers and Zapier reach the bridge at (record URLs): the configured one,
   * or where the bridge listens, known only once it does ('' before).
   */
  publicUrl: () => string;
  version: string;
  /** Plain-HTTP subscription targets on this machine (development, tests, the demo). */
  allowLoopbackHttpTargets: boolean;
  /** Subscription targets at private addresses (bridge/delivery/targetAddress.ts). */
  allowPrivateTargets: boolean;
  /** Active subscriptions one location may have (bridge/store/subscriptions.ts). */
  maxSubscriptionsPerLocation?: number;
  /** New events were stored outside the poller (journal): wake the delivery worker. */
  eventsStored: () => void;
  pollStatus: () => LocationPollStatus[];
  /** `BRIDGE_METRICS_TOKEN`: when set, `/metrics` needs it as a bearer token. */
  metricsToken: string | null;
  /** The location's Call Control stream, null when it does not run (bridge/callcontrol). */
  callControlStatus?: (locationId: string) => CallControlStatus | null;
  /** `BRIDGE_ADMIN_TOKEN`: reads every location's reports and dashboard; null when unset. */
  adminToken: AdminToken | null;
  /** The location's 3CX client for its own reports (shared with its poller); null without XAPI. */
  inboundCallsOf: (locationId: string) => InboundCallSource | null;
  /**
   * The list pages' work (feed, calls, follow-up report) takes turns here, the event loop
   * running between two (bridge/workTurns.ts): a flood of pages cannot hold `/healthz` or
   * another client behind all of them. See {@link answerPage}.
   */
  pageTurns: WorkTurns;
}

/**
 * Answer a list page with its whole work in one turn of the page line: `text` reads the store
 * and writes the answer's JSON (`reply.serialize`: the route's own serializer for a 200, as
 * fastify runs it after the handler, bridge/http/responseSerializer.ts), sent as it is. Mapped
 * and serialised after the turn, a 100-call page's answer held the loop outside the page line's
 * budget (issue 16 item 3, BENCHMARKS.md "page20"). The bytes are the same: the same serializer
 * on the same object, and fastify sends a string with a JSON content type unchanged.
 */
export async function answerPage(
  ctx: ApiContext,
  reply: FastifyReply,
  text: () => ReturnType<FastifyReply['serialize']>,
): Promise<FastifyReply> {
  const answer = await ctx.pageTurns.run(async () => text());
  return reply.type('application/json; charset=utf-8').send(answer);
}
