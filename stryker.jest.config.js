/** The tests `npm run mutate` runs against each mutant: the settle engine's fast unit tests. */
const base = require('./jest.config.js');

module.exports = {
  ...base,
  roots: ['<rootDir>/test/lib'],
  testMatch: ['**/*.test.ts'],
};
