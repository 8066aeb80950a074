/**
 * Enrichment rules (issue: "Workflow context on every event"): what the bridge adds to a
 * settled call so a CRM workflow can branch on it. Pure functions; the bridge does the I/O.
 */
export * from './businessHours';
export * from './businessTime';
export * from './diallerCooldown';
export * from './enrichCall';
export * from './knownContacts';
export * from './locationEnrichmentSettings';
export * from './missedCall';
export * from './pbxOfficeHours';
export * from './repeatMisses';
export * from './sourceLists';
export * from './timeOfDay';
