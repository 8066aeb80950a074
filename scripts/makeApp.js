#!/usr/bin/env node
'use strict';
// `npm run make:generate` writes make/ from scripts/make/makeAppDefinition.ts (the Make custom
// app in the Make Apps Editor's local layout, docs/zapier-facts.md §10); `npm run make:deploy`
// pushes make/ to your Make account with @makehq/sdk (MAKE_API_TOKEN, MAKE_ZONE, MAKE_APP_NAME,
// MAKE_APP_VERSION from the environment). Both run on the built scripts (`tsc -b scripts`).
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

function generate() {
  const { makeApp, MAKE_APP_DIR } = require('../dist/scripts/make/makeAppDefinition.js');
  const dir = path.join(root, MAKE_APP_DIR);
  const { files } = makeApp();
  for (const [file, content] of files) {
    const target = path.join(dir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, `${JSON.stringify(content, null, 4)}\n`);
  }
  process.stdout.write(`Wrote ${files.size} files to ${MAKE_APP_DIR}/.\n`);
  return 0;
}

async function deploy() {
  const {
    deploySettingsFrom,
    deployMakeApp,
    deployFailureMessage,
    DeployConfigError,
  } = require('../dist/scripts/make/deployMakeApp.js');
  let settings;
  try {
    settings = deploySettingsFrom(process.env);
  } catch (err) {
    if (err instanceof DeployConfigError) {
      process.stderr.write(`make:deploy: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const { Make } = require('@makehq/sdk');
  const make = new Make(settings.token, settings.zone);
  let name;
  try {
    name = await deployMakeApp(make, path.join(root, 'make'), settings, (line) =>
      process.stdout.write(`${line}\n`),
    );
  } catch (err) {
    process.stderr.write(`make:deploy: ${deployFailureMessage(err, settings.zone)}\n`);
    return 1;
  }
  process.stdout.write(
    `Deployed make/ to the app "${name}" version ${settings.appVersion} on ${settings.zone}.\n`,
  );
  return 0;
}

const command = process.argv[2];
Promise.resolve(
  command === 'deploy' ? deploy() : command === 'generate' ? generate() : usage(),
).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`make:${command}: ${err && err.message ? err.message : err}\n`);
    process.exitCode = 1;
  },
);

function usage() {
  process.stderr.write('usage: node scripts/makeApp.js generate|deploy\n');
  return 2;
}
