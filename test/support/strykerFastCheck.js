// `npm run mutate` only (stryker.jest.config.js): fewer random runs per fast-check property
// (test/lib/settleCalls.properties.test.ts reads it), so the properties can judge every mutant
// of the settle engine in minutes, not hours.
process.env.FAST_CHECK_RUNS = '25';
