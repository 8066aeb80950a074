#!/usr/bin/env node
'use strict';
// `npm run zapier:build`: build/build.zip for `zapier-platform upload`.
//
// The CLI's build copies the app folder into a temporary one *with its node_modules* and runs
// `npm install --production` there (docs/zapier-facts.md §9). This repository's node_modules
// also holds the workspaces' and the test tooling's packages (about 40,000 files), and the
// CLI opens them all at once: EMFILE under a 20,000 descriptor limit. So the app is staged
// in build/app exactly as Zapier sees it (package.json with the app's dependencies only, the
// CommonJS shim, the compiled app) and the CLI builds that folder with its own, default
// dependency install. Its schema validation runs too; the online style check
// (`POST /check` on zapier.com) cannot run offline, so `--skip-validation` is passed only when
// Zapier cannot be reached, and `npm run lint:zapier` stands in for it.
// Then the zip is checked: the entry points Zapier's runtime loads are there, nothing of the
// bridge or the simulator is.
const fs = require('node:fs');
const path = require('node:path');
const dns = require('node:dns').promises;
const { spawnSync } = require('node:child_process');
const AdmZip = require('adm-zip');

const root = path.join(__dirname, '..');
const stage = path.join(root, 'build', 'app');
const REQUIRED = [
  'index.js',
  'zapierwrapper.js',
  'definition.json',
  'package.json',
  'dist/index.js',
];
/** Packages only the bridge or the simulator use: none may be in the app's zip. */
const FORBIDDEN = [
  'fastify',
  'pino',
  'prom-client',
  'commander',
  'axios',
  'luxon',
  'standardwebhooks',
];

function stageApp() {
  fs.rmSync(stage, { recursive: true, force: true });
  fs.mkdirSync(stage, { recursive: true });
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const appPackage = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    license: pkg.license,
    private: true,
    main: pkg.main,
    engines: pkg.engines,
    dependencies: pkg.dependencies,
  };
  fs.writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(appPackage, null, 2)}\n`);
  for (const name of ['index.js', '.zapierapprc', '.gitignore'])
    fs.copyFileSync(path.join(root, name), path.join(stage, name));
  // The compiled app: dist/index.js and what it requires (dist/lib, triggers, actions, searches).
  const copyJs = (from, to) => {
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
      const source = path.join(from, entry.name);
      const target = path.join(to, entry.name);
      if (entry.isDirectory()) copyJs(source, target);
      else if (entry.name.endsWith('.js') || entry.name === 'package.json') {
        fs.mkdirSync(to, { recursive: true });
        fs.copyFileSync(source, target);
      }
    }
  };
  for (const part of ['lib', 'triggers', 'actions', 'searches'])
    copyJs(path.join(root, 'dist', part), path.join(stage, 'dist', part));
  for (const name of ['index.js', 'package.json'])
    fs.copyFileSync(path.join(root, 'dist', name), path.join(stage, 'dist', name));
}

async function zapierReachable() {
  try {
    await dns.lookup('zapier.com');
    return true;
  } catch {
    return false;
  }
}

async function main() {
  stageApp();
  const online = await zapierReachable();
  const args = ['build'];
  if (!online) {
    args.push('--skip-validation');
    console.log(
      'zapier.com cannot be reached: its online style check is skipped (npm run lint:zapier ran instead).',
    );
  }
  const cli = path.join(root, 'node_modules', '.bin', 'zapier-platform');
  const run = spawnSync(cli, args, {
    cwd: stage,
    stdio: 'inherit',
    env: { ...process.env, DISABLE_ZAPIER_ANALYTICS: '1', NO_UPDATE_NOTIFIER: '1' },
  });
  if (run.status !== 0) return run.status ?? 1;
  for (const name of ['build.zip', 'source.zip'])
    fs.renameSync(path.join(stage, 'build', name), path.join(root, 'build', name));

  const zipPath = path.join(root, 'build', 'build.zip');
  const zip = new AdmZip(zipPath);
  const entries = zip.getEntries();
  const names = new Set(entries.map((entry) => entry.entryName));
  const missing = REQUIRED.filter((name) => !names.has(name));
  if (missing.length > 0) {
    console.error(`build/build.zip lacks ${missing.join(', ')}`);
    return 1;
  }
  const shim = zip.readAsText('index.js');
  if (!shim.includes("require('./dist/index').default")) {
    console.error('build/build.zip: index.js is not the CommonJS shim loading dist/index.js');
    return 1;
  }
  const strays = entries
    .map((entry) => entry.entryName)
    .filter(
      (name) =>
        name.startsWith('dist/bridge/') ||
        name.startsWith('dist/sim/') ||
        FORBIDDEN.some((pkg) => name.startsWith(`node_modules/${pkg}/`)),
    );
  if (strays.length > 0) {
    console.error(`build/build.zip holds what is not the app's: ${strays.slice(0, 5).join(', ')}`);
    return 1;
  }
  const files = entries.filter((entry) => !entry.isDirectory);
  const packages = new Set(
    files
      .map((entry) => /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(entry.entryName)?.[1])
      .filter(Boolean),
  );
  console.log(
    `build/build.zip: ${(fs.statSync(zipPath).size / 1024 / 1024).toFixed(1)} MB, ${files.length} files ` +
      `(${files.filter((entry) => entry.entryName.startsWith('dist/')).length} under dist/, ${packages.size} packages); ` +
      `has ${REQUIRED.join(', ')}; no bridge or simulator code.`,
  );
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err);
    process.exitCode = 1;
  },
);
