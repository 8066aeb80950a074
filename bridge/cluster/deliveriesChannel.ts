/**
 * The Postgres channel an instance notifies when it stored deliveries (bridge/store/outbox.ts)
 * and every instance listens on (bridge/cluster/peerWakeups.ts).
 */
export const DELIVERIES_CHANNEL = 'bridge_deliveries';
