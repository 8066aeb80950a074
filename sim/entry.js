'use strict';
// The package entry of `3cx-sim` (what `require('3cx-sim')` loads, e.g. the bridge's demo).
// The repository compiles every package into one dist/ tree that mirrors the sources, so the
// core (lib/) is shared by relative path; Node resolves a package's "main" from the symlink
// npm makes for a workspace, so the entry must sit inside the package and point there itself.
module.exports = require('../dist/sim/index.js');
