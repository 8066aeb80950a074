/** Jest runs the TypeScript sources through ts-jest (transpile only: `npm test` type-checks
 * every project with `tsc -b test` first). The bridge imports the simulator by its package
 * name (bridge/demo.ts); tests load it from source like everything else. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/test/tsconfig.json' }] },
  moduleNameMapper: { '^3cx-sim$': '<rootDir>/sim/index.ts' },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30000,
};
