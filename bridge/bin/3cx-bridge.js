#!/usr/bin/env node
'use strict';
// The bridge needs Node 24 (node:sqlite). `npm start`, `npm run …` and `npx 3cx-bridge` use the
// project's pinned node_modules/.bin/node; a bare system `node` may be older.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(
    `3cx-bridge needs Node 24 but this is Node ${process.versions.node}. Run it as \`npx 3cx-bridge …\` or \`npm start\` from the project folder.\n`,
  );
  process.exit(2);
}
let cli;
try {
  cli = require('../../dist/bridge/cli/main.js');
} catch (err) {
  if (err && err.code === 'MODULE_NOT_FOUND') {
    process.stderr.write(
      '3cx-bridge is not built yet: run `npm install` (or `npm run build:all`) first.\n',
    );
    process.exit(2);
  }
  throw err;
}
cli.run();
