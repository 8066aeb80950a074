/** Jest runs the TypeScript sources through ts-jest (transpile only: `npm test` type-checks
 * every project with `tsc -b test` first). The bridge imports the simulator by its package
 * name (bridge/demo.ts); tests load it from source like everything else.
 *
 * Two projects: `default` runs every test on the store `BRIDGE_TEST_STORE` names (SQLite
 * unless set; `npm run test:postgres` sets postgres); `postgres` runs the store-heavy
 * integration suites on Postgres as well, in every `npm test`. The store tests themselves
 * (test/store) cover both stores in one file. One embedded Postgres serves the whole run
 * (test/support/postgres). */
const base = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }] },
  moduleNameMapper: { '^3cx-sim$': '<rootDir>/sim/index.ts' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30000,
};

/** The suites that also run on Postgres in `npm test`: the ones that exercise most SQL. */
const ON_POSTGRES = [
  'integration/poller',
  'integration/connectionChange',
  'integration/bridgeDelivery',
  'integration/journal',
  'integration/followUp',
  'integration/reports',
  'integration/webhooksAndOps',
  'integration/journalContacts',
  'badInput/tenancy',
  'faults/restart',
  'store/multiInstance',
];

/** About the SQLite file itself (its permissions, its path in messages): not run on Postgres. */
const SQLITE_FILE_ONLY = ['cli/dataFiles', 'cli/newcomer'];
const onPostgres = process.env.BRIDGE_TEST_STORE === 'postgres';

module.exports = {
  testTimeout: 30000,
  globalSetup: '<rootDir>/test/support/postgres/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/postgres/globalTeardown.ts',
  projects: [
    {
      ...base,
      displayName: 'default',
      testPathIgnorePatterns: [
        '/node_modules/',
        'store/multiInstance',
        ...(onPostgres ? SQLITE_FILE_ONLY : []),
      ],
    },
    {
      ...base,
      displayName: 'postgres',
      testMatch: ON_POSTGRES.map((name) => `**/test/${name}.test.ts`),
      setupFiles: ['<rootDir>/test/support/postgres/usePostgres.ts'],
    },
  ],
};
