/**
 * The Postgres channels instances notify each other on (every instance listens:
 * bridge/cluster/peerWakeups.ts).
 *
 * `DELIVERIES_CHANNEL`: an instance stored deliveries (bridge/store/outbox.ts); whichever
 * instance is free sends them.
 */
export const DELIVERIES_CHANNEL = 'bridge_deliveries';

/**
 * `PBX_READS_CHANNEL`: an instance asked for a read of a PBX it does not poll
 * (bridge/store/pbxReads.ts); the instance that polls it answers.
 */
export const PBX_READS_CHANNEL = 'bridge_pbx_reads';
