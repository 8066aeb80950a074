// Mutation testing of the settle engine (`npm run mutate`, not part of `npm test`).
// Stryker changes the engine's code one mutant at a time and runs the engine's fast unit
// tests (test/lib, see stryker.jest.config.js) against each: a mutant no test notices is a
// rule no test pins. Report: reports/mutation/mutation.json (and .html), git-ignored.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  jest: { projectType: 'custom', configFile: 'stryker.jest.config.js' },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  mutate: [
    'lib/legRules.ts',
    'lib/legFacts.ts',
    'lib/settleCalls.ts',
    'lib/classifyCall.ts',
    'lib/settledCall.ts',
    'lib/callDirection.ts',
    'lib/callParties.ts',
    'lib/callOutcome.ts',
    'lib/callTiming.ts',
    'lib/voicemailLeft.ts',
    'lib/phoneNumber.ts',
    'lib/callKeyTable.ts',
    'lib/trimText.ts',
  ],
  coverageAnalysis: 'perTest',
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 10000,
  reporters: ['clear-text', 'progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  thresholds: { high: 95, low: 90, break: 90 },
  // Re-runs test only what changed since the last run (code or tests); the first run does all.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
