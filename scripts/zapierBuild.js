#!/usr/bin/env node
'use strict';
// `npm run zapier:build`: build/build.zip for `zapier-platform upload`, offline.
//
// - `--skip-dep-install`: the default build copies the project and reinstalls ~1,100 packages,
//   which fails with EMFILE; node_modules is used as it is (zapier-facts §9).
// - `--skip-validation`: its validation ends in an online style check; `npm run zapier:validate`
//   (schema) and `npm run lint:zapier` (publishing checks) run before this instead.
// - `.zapierapprc` `includeInBuild` adds the `require.mjs` files esbuild's scan misses.
// - The CLI puts every symlink found beside shipped packages into the zip, including
//   `node_modules/3cx-missed-call-bridge -> ..` from the project's self-reference
//   devDependency (it makes `npx 3cx-bridge` work). That link loops back to the zip's root, so
//   it is dropped from the zip after the build; the project's own link is never touched.
// Then the zip is checked for the entry points Zapier's runtime loads.
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const zipPath = path.join(root, 'build', 'build.zip');
const REQUIRED = [
  'index.js',
  'zapierwrapper.js',
  'definition.json',
  'package.json',
  'dist/index.js',
];

function main() {
  const cli = path.join(root, 'node_modules', '.bin', 'zapier-platform');
  const run = spawnSync(cli, ['build', '--skip-dep-install', '--skip-validation'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, DISABLE_ZAPIER_ANALYTICS: '1', NO_UPDATE_NOTIFIER: '1' },
  });
  if (run.status !== 0) return run.status ?? 1;

  const {
    isUnsafeSymlink,
    listZipEntries,
    readZipEntry,
    removeZipEntries,
  } = require('../dist/lib/zapier/zipArchive.js');
  let zip = fs.readFileSync(zipPath);
  const loops = listZipEntries(zip).filter(
    (entry) =>
      entry.isSymlink && isUnsafeSymlink(entry.name, readZipEntry(zip, entry).toString('utf8')),
  );
  if (loops.length > 0) {
    const names = new Set(loops.map((entry) => entry.name));
    zip = removeZipEntries(zip, (entry) => names.has(entry.name));
    fs.writeFileSync(zipPath, zip);
    console.log(
      `Dropped symlink${loops.length === 1 ? '' : 's'} looping back to the zip's root: ${[...names].join(', ')}`,
    );
  }

  const entries = listZipEntries(zip);
  const byName = new Map(entries.map((entry) => [entry.name, entry]));
  const missing = REQUIRED.filter((name) => !byName.has(name));
  if (missing.length > 0) {
    console.error(`build/build.zip lacks ${missing.join(', ')}`);
    return 1;
  }
  const shim = readZipEntry(zip, byName.get('index.js')).toString('utf8');
  if (!shim.includes("require('./dist/index').default")) {
    console.error('build/build.zip: index.js is not the CommonJS shim loading dist/index.js');
    return 1;
  }
  const files = entries.filter((entry) => !entry.isDirectory && !entry.isSymlink);
  const appFiles = files.filter((entry) => entry.name.startsWith('dist/')).length;
  console.log(
    `build/build.zip: ${(zip.length / 1024 / 1024).toFixed(1)} MB, ${files.length} files (${appFiles} under dist/), ` +
      `${entries.filter((entry) => entry.isSymlink).length} symlinks; has ${REQUIRED.join(', ')}.`,
  );
  return 0;
}

process.exitCode = main();
