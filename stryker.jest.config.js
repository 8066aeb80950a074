/**
 * The tests `npm run mutate` runs against each mutant: the settle engine's fast unit tests,
 * the fast-check properties among them with 25 runs each instead of 200
 * (test/support/strykerFastCheck.js).
 */
// The default project's settings (jest.config.js runs two projects; the mutants need one).
const {
  displayName: _name,
  testPathIgnorePatterns: _ignore,
  ...base
} = require('./jest.config.js').projects[0];

module.exports = {
  ...base,
  roots: ['<rootDir>/test/lib'],
  testMatch: ['**/*.test.ts'],
  setupFiles: ['<rootDir>/test/support/strykerFastCheck.js'],
};
