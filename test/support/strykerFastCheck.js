// `npm run mutate` only (stryker.jest.config.js): fewer random runs per fast-check property
// (test/lib/settleCalls.properties.test.ts reads it), so the properties can judge every mutant
// of the settle engine in minutes, not hours; and one fixed seed, so a mutant that only a
// lucky random case kills is killed (or survives) in every run alike, and the score repeats.
process.env.FAST_CHECK_RUNS = '25';
require('fast-check').configureGlobal({ seed: 20261203 });
