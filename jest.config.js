/** Jest runs the TypeScript sources through ts-jest (transpile only: `npm test` type-checks
 * the whole project with `tsc --noEmit` first). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', {}] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30000,
};
