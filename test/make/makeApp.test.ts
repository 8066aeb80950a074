import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CALL_EVENT_TYPES } from '../../lib/callEvent';
import {
  BRIDGE_URL_PATTERN,
  INSTANT_TRIGGERS,
  makeApp,
} from '../../scripts/make/makeAppDefinition';
import {
  deployFailureMessage,
  deploySettingsFrom,
  DeployConfigError,
} from '../../scripts/make/deployMakeApp';
import { imlExpressions, KNOWN_FUNCTIONS } from '../support/iml';
import {
  baseSchema,
  CODE_FILES,
  groupsSchema,
  interfaceItemSchema,
  makecomappSchema,
  parameterSchema,
  requestSchema,
  webhookCommunicationSchema,
} from './makeComponentSchema';

/**
 * The Make app's definition (`make/`) against Make's documented component schema
 * (makeComponentSchema.ts), and the committed files against their generator.
 */
const DIR = join(__dirname, '..', '..', 'make');
/* eslint-disable @typescript-eslint/no-explicit-any -- the definition is plain JSON */
const readJson = (path: string): any => JSON.parse(readFileSync(join(DIR, path), 'utf8'));
const app = readJson('makecomapp.json');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [relative(DIR, path)];
  });
}

describe('make/ is the generated Make app', () => {
  it('every committed file is what npm run make:generate writes (and nothing else but the README)', () => {
    const { files } = makeApp();
    for (const [path, content] of files) expect([path, readJson(path)]).toEqual([path, content]);
    expect(filesUnder(DIR).sort()).toEqual([...files.keys(), 'README.md'].sort());
  });
});

describe('the Make app against Make’s component schema', () => {
  it('makecomapp.json has the Make Apps Editor’s shape', () => {
    expect(() => makecomappSchema.parse(app)).not.toThrow();
    expect(app.generalCodeFiles).toEqual({
      base: 'general/base.imljson',
      common: 'general/common.json',
      readme: 'README.md',
      groups: 'modules/groups.json',
    });
  });

  it('each component keeps its code files in <type>s/<kebab-id>/<kebab-id>.<code>.iml.json', () => {
    const suffix: Record<string, string> = {
      communication: 'communication',
      params: 'params',
      staticParams: 'static-params',
      mappableParams: 'mappable-params',
      interface: 'interface',
      samples: 'samples',
      epoch: 'epoch',
      attach: 'attach',
      detach: 'detach',
    };
    for (const [type, components] of Object.entries(app.components) as [string, any][]) {
      for (const [id, component] of Object.entries(components) as [string, any][]) {
        const kebab = id.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
        for (const [code, path] of Object.entries(component.codeFiles) as [string, string][]) {
          expect(CODE_FILES[type]).toContain(code);
          const ext = code === 'common' ? 'json' : 'iml.json';
          const name = code === 'common' ? 'common' : suffix[code];
          expect(path).toBe(`${type}s/${kebab}/${kebab}.${name}.${ext}`);
        }
      }
    }
  });

  it('the base, the connection, every request, webhook, parameter list and interface is valid', () => {
    expect(() => baseSchema.parse(readJson(app.generalCodeFiles.base))).not.toThrow();
    expect(() => groupsSchema.parse(readJson(app.generalCodeFiles.groups))).not.toThrow();
    const check = (schema: { parse: (v: unknown) => unknown }, path: string) => {
      try {
        schema.parse(readJson(path));
      } catch (err) {
        throw new Error(`${path}: ${(err as Error).message}`);
      }
    };
    for (const [type, components] of Object.entries(app.components) as [string, any][]) {
      for (const component of Object.values(components) as any[]) {
        const files = component.codeFiles as Record<string, string>;
        for (const code of ['attach', 'detach', 'epoch'])
          if (files[code]) check(requestSchema, files[code]);
        if (files.communication)
          check(
            type === 'webhook' ? webhookCommunicationSchema : requestSchema,
            files.communication,
          );
        for (const code of ['params', 'staticParams', 'mappableParams'])
          if (files[code]) for (const p of readJson(files[code])) parameterSchema.parse(p);
        if (files.interface)
          for (const item of readJson(files.interface)) interfaceItemSchema.parse(item);
      }
    }
  });

  it('references resolve: connections, webhooks, RPC options, grouped modules', () => {
    const { connection, webhook, module, rpc } = app.components;
    const rpcOptions: string[] = [];
    for (const component of [
      ...Object.values(webhook),
      ...Object.values(module),
      ...Object.values(rpc),
    ] as any[]) {
      if (component.connection) expect(Object.keys(connection)).toContain(component.connection);
      for (const code of ['params', 'staticParams', 'mappableParams']) {
        if (!component.codeFiles[code]) continue;
        for (const p of readJson(component.codeFiles[code]))
          if (typeof p.options === 'string') rpcOptions.push(p.options.replace('rpc://', ''));
      }
    }
    expect(rpcOptions.length).toBeGreaterThan(0);
    for (const name of rpcOptions) expect(Object.keys(rpc)).toContain(name);
    for (const m of Object.values(module) as any[]) {
      if (m.moduleType === 'instant_trigger') {
        expect(Object.keys(webhook)).toContain(m.webhook);
        // An instant trigger makes at most one extra request: no iterate, no pagination.
        expect(m.codeFiles.communication).toBeUndefined();
      } else {
        expect(m.connection).toBe('bridge');
      }
      if (m.moduleType === 'trigger') {
        expect(readJson(m.codeFiles.communication).response.trigger).toMatchObject({
          type: 'date',
          order: 'desc',
        });
        expect(m.codeFiles.epoch).toBeDefined();
      }
      if (m.moduleType === 'action') expect(m.actionCrud).toMatch(/^(create|read|update|delete)$/);
    }
    const grouped = readJson(app.generalCodeFiles.groups).flatMap((g: any) => g.modules);
    expect(grouped.sort()).toEqual(Object.keys(module).sort());
    for (const w of Object.values(webhook) as any[]) {
      expect(w).toMatchObject({ webhookType: 'web', connection: 'bridge' }); // dedicated, attached
      expect(w.codeFiles.attach && w.codeFiles.detach).toBeTruthy();
    }
  });

  it('offers the triggers and modules the issue asks for, one attached webhook per event', () => {
    const labels = Object.values(app.components.module).map((m: any) => m.label);
    expect(labels).toEqual(
      expect.arrayContaining([
        'Watch Missed Calls',
        'Watch Calls Started',
        'Watch Calls Ended',
        'Watch Missed Calls Returned',
        'Watch Missed Calls Not Returned',
        'Watch Call Events',
        'Update a Call Record',
        'Get a Call',
        'Search Calls',
      ]),
    );
    const events = INSTANT_TRIGGERS.map((t) => t.event);
    // Every event the bridge emits has its instant trigger, once.
    expect([...events].sort()).toEqual([...CALL_EVENT_TYPES].sort());
  });

  it('uses only IML this project’s evaluator knows (so every expression is tested)', () => {
    const used = new Set<string>();
    for (const path of filesUnder(DIR).filter((p) => p.endsWith('.json')))
      for (const expression of imlExpressions(readJson(path)))
        for (const m of expression.matchAll(/([A-Za-z_]\w*)\s*\(/g)) used.add(m[1]);
    expect([...used].sort()).toEqual([...KNOWN_FUNCTIONS].sort());
  });

  it('the Bridge URL field takes the address as https, without /v1 or a trailing slash', () => {
    const pattern = new RegExp(BRIDGE_URL_PATTERN);
    for (const good of ['https://bridge.example.com', 'https://example.com:8443/bridge'])
      expect(pattern.test(good)).toBe(true);
    for (const bad of [
      'http://bridge.example.com',
      'https://bridge.example.com/',
      'https://bridge.example.com/v1',
      'bridge.example.com',
    ])
      expect(pattern.test(bad)).toBe(false);
  });
});

describe('npm run make:deploy', () => {
  it('says which Make address it could not reach and what to check, not a bare "fetch failed"', () => {
    // What Node's fetch (and so @makehq/sdk) throws for a zone that does not resolve.
    const offline = new TypeError('fetch failed', {
      cause: Object.assign(new Error('getaddrinfo ENOTFOUND eu9.make.com'), { code: 'ENOTFOUND' }),
    });
    const message = deployFailureMessage(offline, 'eu9.make.com');
    expect(message).toContain('could not reach Make at https://eu9.make.com (ENOTFOUND)');
    expect(message).toMatch(/Check the network, and that MAKE_ZONE is your Make zone/);
    // Make's own answers are passed on as they are.
    expect(deployFailureMessage(new Error('[401] Invalid access token.'), 'eu1.make.com')).toBe(
      '[401] Invalid access token.',
    );
  });

  it('says what to set when there is no Make API token, and never runs without one', () => {
    expect(() => deploySettingsFrom({})).toThrow(DeployConfigError);
    expect(() => deploySettingsFrom({})).toThrow(/Set MAKE_API_TOKEN to a Make API token/);
    expect(deploySettingsFrom({ MAKE_API_TOKEN: 't', MAKE_ZONE: 'https://us1.make.com/' })).toEqual(
      {
        token: 't',
        zone: 'us1.make.com',
        appName: undefined,
        appVersion: 1,
      },
    );
  });
});
