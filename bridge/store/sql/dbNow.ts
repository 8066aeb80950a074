/**
 * Postgres's clock in epoch ms, in SQL: what several instances (on machines whose clocks may
 * differ) measure lease expiry and the age of shared rows on.
 */
export const DB_NOW_MS = `(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint`;
