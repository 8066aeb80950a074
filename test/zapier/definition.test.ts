import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { version as coreVersion } from 'zapier-platform-core';
import App from '../../index';
import packageJson from '../../package.json';
import { runPublishingChecks } from '../../scripts/zapier/publishingChecks';
import { APP_EXEMPTIONS } from '../../scripts/zapier/publishingLint';
import { appDefinition, schemaErrors } from './appDefinition';

describe('the Zapier app definition', () => {
  it('passes Zapier schema validation', async () => {
    expect(await schemaErrors()).toEqual([]);
  });

  it('passes the offline publishing checks, with only reviewed exemptions', async () => {
    const definition = await appDefinition();
    expect(runPublishingChecks(definition, { exemptions: APP_EXEMPTIONS })).toEqual([]);
    // Each exemption is still needed: without it the check fires.
    const fired = runPublishingChecks(definition).map((v) => `${v.check} ${v.where}`);
    expect(fired.sort()).toEqual(Object.keys(APP_EXEMPTIONS).sort());
  });

  it('takes its version from package.json and its platform version from zapier-platform-core', () => {
    expect(App.version).toBe(packageJson.version);
    expect(App.platformVersion).toBe(coreVersion);
    expect(packageJson.dependencies['zapier-platform-core']).toBe(coreVersion); // exact pin
  });

  it('offers the six instant triggers, Find Call and Update Call Record, with dropdown triggers hidden', () => {
    const visible = (ops: Record<string, { display: { hidden?: boolean; label?: string } }>) =>
      Object.values(ops)
        .filter((op) => !op.display.hidden)
        .map((op) => op.display.label);
    expect(visible(App.triggers)).toEqual([
      'Missed Call',
      'Call Started',
      'Call Ended',
      'Call Updated',
      'Missed Call Returned',
      'Missed Call Not Returned',
    ]);
    expect(visible(App.searches ?? {})).toEqual(['Find Call']);
    expect(visible(App.creates)).toEqual(['Update Call Record']);
    for (const trigger of Object.values(App.triggers)) {
      if (!trigger.display.hidden) expect(trigger.operation.type).toBe('hook');
    }
  });

  it('is loaded by Zapier through the CommonJS shim that unwraps dist/index.js', () => {
    const shim = readFileSync(join(__dirname, '..', '..', 'index.js'), 'utf8');
    expect(shim).toMatch(/module\.exports = require\('\.\/dist\/index'\)\.default;/);
    expect(packageJson.main).toBe('index.js');
  });

  it('asks for the bridge URL and API key and labels the connection by location', () => {
    const auth = App.authentication!;
    expect(auth.type).toBe('custom');
    expect(auth.fields!.map((f) => [f.key, f.type])).toEqual([
      ['bridge_url', 'string'],
      ['api_key', 'password'],
    ]);
    expect(auth.fields![1].helpText).toMatch(/3cx-bridge key create/);
    expect(auth.fields![1].helpText).toMatch(/3cx-bridge location add/);
  });
});
