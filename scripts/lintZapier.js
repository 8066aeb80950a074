#!/usr/bin/env node
'use strict';
// `npm run lint:zapier`: Zapier's publishing checks that are pure definition rules, offline
// (scripts/zapier/publishingChecks.ts). Runs on the built app (`tsc -b . scripts` first, which the
// npm script does). `--definition file.json` checks a serialized definition instead, such as
// the output of core's `definition` command.
const fs = require('node:fs');
const path = require('node:path');

async function main(argv) {
  const { lintDefinition } = require('../dist/scripts/zapier/publishingLint.js');
  let definition;
  const i = argv.indexOf('--definition');
  if (i >= 0) {
    definition = JSON.parse(fs.readFileSync(path.resolve(argv[i + 1]), 'utf8'));
  } else {
    const { createAppHandler } = require('zapier-platform-core');
    const app = require(path.join(__dirname, '..', 'index.js'));
    const answer = await createAppHandler(app)({ command: 'definition', calledFromCli: true });
    definition = answer.results;
  }
  const { exitCode } = lintDefinition(definition, {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
  return exitCode;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`lint:zapier could not run: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 2;
  },
);
