#!/usr/bin/env node
'use strict';
// The 3CX simulator CLI; the TypeScript lives in sim/cli.ts and is compiled by `npm install` (`tsc -b sim`).
require('../../dist/sim/cli.js')
  .main(process.argv)
  .catch((error) => {
    // Commander has already printed help and usage errors; it carries the exit code.
    if (error && error.code && String(error.code).startsWith('commander.')) {
      process.exit(error.exitCode ?? 1);
    }
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
