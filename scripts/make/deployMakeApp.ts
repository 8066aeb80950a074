import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Make } from '@makehq/sdk';

/**
 * `npm run make:deploy`: pushes `make/` to the user's Make account as a custom app with
 * `@makehq/sdk` (docs/zapier-facts.md §10), the way the Make Apps Editor deploys a local app:
 * every component is created when missing (matched by name, or by label for connections and
 * webhooks, whose names Make assigns), its metadata updated, and each code file uploaded as the
 * section Make's API names it. Online only: it needs the user's Make API token, so it never
 * runs in tests.
 */
export interface DeploySettings {
  token: string;
  /** Make zone, such as `eu1.make.com`. */
  zone: string;
  /** An existing app's name; a new app is created when empty. */
  appName?: string;
  appVersion: number;
}

export class DeployConfigError extends Error {}

/** The settings from the environment, or a message saying what to set. */
export function deploySettingsFrom(env: NodeJS.ProcessEnv): DeploySettings {
  const token = env.MAKE_API_TOKEN?.trim();
  if (!token) {
    throw new DeployConfigError(
      'Set MAKE_API_TOKEN to a Make API token (Make → Profile → API access → Add token, with the sdk-apps:read and sdk-apps:write scopes), and MAKE_ZONE to your Make zone (such as eu1.make.com), then run npm run make:deploy again.',
    );
  }
  const version = Number(env.MAKE_APP_VERSION ?? 1);
  if (!Number.isInteger(version) || version < 1)
    throw new DeployConfigError(
      `MAKE_APP_VERSION must be a whole number, not "${env.MAKE_APP_VERSION}".`,
    );
  return {
    token,
    zone: (env.MAKE_ZONE ?? 'eu1.make.com').replace(/^https?:\/\//, '').replace(/\/.*$/, ''),
    appName: env.MAKE_APP_NAME?.trim() || undefined,
    appVersion: version,
  };
}

/**
 * What `make:deploy` prints when it fails. A Make zone that cannot be reached comes out of
 * `fetch` as a bare "fetch failed" (the reason is in its `cause`): say which address was tried
 * and what to check. Other errors (Make's own answers) speak for themselves.
 */
export function deployFailureMessage(error: unknown, zone: string): string {
  const message = error instanceof Error ? error.message : String(error);
  if (!(error instanceof TypeError) || message !== 'fetch failed') return message;
  const cause = error.cause as { code?: string; message?: string } | undefined;
  return (
    `could not reach Make at https://${zone} (${cause?.code ?? cause?.message ?? message}). ` +
    'Check the network, and that MAKE_ZONE is your Make zone as in the address bar when signed in to Make (such as eu1.make.com or us1.make.com).'
  );
}

/** Module type ids of Make's API (docs/zapier-facts.md §10). */
const MODULE_TYPE_ID: Record<string, number> = {
  trigger: 1,
  action: 4,
  search: 9,
  instant_trigger: 10,
  responder: 11,
  universal: 12,
};

/** makecomapp.json code name → the section name in Make's API. */
const SECTION: Record<string, string> = {
  communication: 'api',
  params: 'parameters',
  staticParams: 'parameters',
  mappableParams: 'expect',
  interface: 'interface',
  samples: 'samples',
  epoch: 'epoch',
  attach: 'attach',
  detach: 'detach',
};

interface Component {
  label: string;
  description?: string;
  connectionType?: string;
  webhookType?: string;
  moduleType?: string;
  actionCrud?: string;
  connection?: string | null;
  webhook?: string | null;
  codeFiles: Record<string, string>;
}

interface Makecomapp {
  generalCodeFiles: { base: string; common: string; readme: string; groups: string };
  components: Record<'connection' | 'webhook' | 'module' | 'rpc', Record<string, Component>>;
}

const notFound = (err: unknown) => (err as { statusCode?: number })?.statusCode === 404;

export async function deployMakeApp(
  make: Make,
  appDir: string,
  settings: DeploySettings,
  log: (line: string) => void,
): Promise<string> {
  const app = JSON.parse(readFileSync(join(appDir, 'makecomapp.json'), 'utf8')) as Makecomapp;
  const read = (path: string) => readFileSync(join(appDir, path), 'utf8');
  const version = settings.appVersion;
  // Loose calls: the API takes module and webhook references the SDK's types do not list.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const sdk = make.sdk as any;

  let name = settings.appName;
  if (!name) {
    const created = await make.sdk.apps.create({
      name: '3cx-missed-call-bridge',
      label: '3CX Missed Calls',
      description: 'Instant triggers for missed, started and ended calls on 3CX phone systems.',
      theme: '#1f6feb',
      language: 'en',
      private: true,
      audience: 'countries',
      countries: [],
    });
    name = created.name;
    log(`Created the app "${name}". Set MAKE_APP_NAME=${name} for later deploys.`);
  }
  await make.sdk.apps.get(name, version);
  await make.sdk.apps.setSection(name, version, 'base', read(app.generalCodeFiles.base));
  await make.sdk.apps.setSection(name, version, 'groups', read(app.generalCodeFiles.groups));
  await make.sdk.apps.setDocs(name, version, read(app.generalCodeFiles.readme));
  await make.sdk.apps.setCommon(name, version, JSON.parse(read(app.generalCodeFiles.common)));

  const remote = { connection: new Map<string, string>(), webhook: new Map<string, string>() };
  const existingConnections = await make.sdk.connections.list(name);
  for (const [id, c] of Object.entries(app.components.connection)) {
    let remoteName = existingConnections.find((e) => e.label === c.label)?.name;
    if (!remoteName)
      remoteName = (
        await make.sdk.connections.create(name, { type: c.connectionType!, label: c.label })
      ).name;
    remote.connection.set(id, remoteName);
    for (const [code, path] of Object.entries(c.codeFiles)) {
      if (code === 'common')
        await make.sdk.connections.setCommon(remoteName, JSON.parse(read(path)));
      else await make.sdk.connections.setSection(remoteName, SECTION[code] as 'api', read(path));
    }
    log(`connection ${id} → ${remoteName}`);
  }
  const connectionOf = (c: Component) =>
    c.connection ? remote.connection.get(c.connection) : null;

  const existingWebhooks = await make.sdk.webhooks.list(name);
  for (const [id, w] of Object.entries(app.components.webhook)) {
    let remoteName = existingWebhooks.find((e) => e.label === w.label)?.name;
    if (!remoteName) {
      await make.sdk.webhooks.create(name, { type: w.webhookType!, label: w.label });
      remoteName = (await make.sdk.webhooks.list(name)).find((e) => e.label === w.label)?.name;
      if (!remoteName) throw new Error(`Make did not list the new webhook "${w.label}".`);
    }
    remote.webhook.set(id, remoteName);
    await sdk.webhooks.update(remoteName, { label: w.label, connection: connectionOf(w) });
    for (const [code, path] of Object.entries(w.codeFiles))
      await make.sdk.webhooks.setSection(remoteName, SECTION[code] as 'api', read(path));
    log(`webhook ${id} → ${remoteName}`);
  }

  for (const [id, r] of Object.entries(app.components.rpc)) {
    try {
      await make.sdk.rpcs.get(name, version, id);
    } catch (err) {
      if (!notFound(err)) throw err;
      await make.sdk.rpcs.create(name, version, { name: id, label: r.label });
    }
    await sdk.rpcs.update(name, version, id, { label: r.label, connection: connectionOf(r) });
    for (const [code, path] of Object.entries(r.codeFiles))
      await make.sdk.rpcs.setSection(name, version, id, SECTION[code] as 'api', read(path));
    log(`rpc ${id}`);
  }

  for (const [id, m] of Object.entries(app.components.module)) {
    const metadata = {
      label: m.label,
      description: m.description ?? '',
      typeId: MODULE_TYPE_ID[m.moduleType!],
      ...(m.actionCrud ? { crud: m.actionCrud } : {}),
      connection: connectionOf(m) ?? null,
      ...(m.webhook ? { webhook: remote.webhook.get(m.webhook) } : {}),
    };
    try {
      await make.sdk.modules.get(name, version, id);
      await sdk.modules.update(name, version, id, metadata);
    } catch (err) {
      if (!notFound(err)) throw err;
      await sdk.modules.create(name, version, { name: id, ...metadata });
    }
    for (const [code, path] of Object.entries(m.codeFiles))
      await make.sdk.modules.setSection(name, version, id, SECTION[code] as 'api', read(path));
    log(`module ${id}`);
  }
  return name;
}
