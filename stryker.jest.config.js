/**
 * The tests `npm run mutate` runs against each mutant: the settle engine's fast unit tests.
 * The fast-check properties (test/lib/settleCalls.properties.test.ts) are left out: 800 random
 * runs per mutant would make a run take hours on two cores; the corpus and the unit tests pin
 * the same rules case by case.
 */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/lib'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', 'properties\\.test\\.ts$'],
};
