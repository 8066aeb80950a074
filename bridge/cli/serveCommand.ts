import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { BridgeService, type BridgeOptions } from '../bridgeService';
import {
  DEFAULT_DB_PATH,
  DEFAULT_HOST,
  dbPathFrom,
  loadSecrets,
  maxSubscriptionsFrom,
  openStoreAt,
  portFrom,
} from '../config';
import { leaseTimingFrom } from '../cluster/clusterMembership';
import { describeDatabase, isPostgresUrl } from '../store/database';
import { demoBanner, startDemo } from '../demo';
import { ensureEnvLocation, envLocationWarnings } from '../envLocation';
import { httpLimitsFromEnv } from '../http/httpLimits';
import { createLogger, flushLogger } from '../logger';
import { UsageError, type CliIo } from './io';

interface ServeFlags {
  port?: string;
  host?: string;
  db?: string;
  publicUrl?: string;
  demo?: boolean;
  allowPrivateTargets?: boolean;
}

/**
 * `3cx-bridge serve`: the long-running bridge. With no location configured it starts the
 * labelled demo against the built-in simulator. Stops cleanly on SIGINT/SIGTERM: polling
 * stops, deliveries in flight finish (or stay pending for the next start), the database closes.
 */
export function registerServeCommand(
  program: Command,
  io: CliIo,
  signals: NodeJS.EventEmitter = process,
): void {
  program
    .command('serve')
    .description(
      'Run the bridge (a labelled demo against a simulated 3CX when no location is configured)',
    )
    .option('--port <port>', 'HTTP port (or PORT; default 8787)')
    .option('--host <host>', 'interface to listen on (or HOST; default 127.0.0.1; 0.0.0.0 for all)')
    .option(
      '--db <path>',
      'SQLite database file or postgres:// URL (or BRIDGE_DATABASE_URL, BRIDGE_DB; default ./data/bridge.db)',
    )
    .option('--public-url <url>', 'address Zapier reaches the bridge at (or BRIDGE_PUBLIC_URL)')
    .option('--demo', 'run the demo even if locations are configured')
    .option(
      '--allow-private-targets',
      'deliver to private and loopback addresses too: receivers on your own network (or BRIDGE_ALLOW_PRIVATE_TARGETS=1)',
    )
    .action(async (flags: ServeFlags) => {
      const env = io.env;
      const dbPath = dbPathFrom(flags.db, env);
      const host = flags.host ?? env.HOST ?? DEFAULT_HOST;
      const port = portFrom(flags.port, env);
      const publicUrl = flags.publicUrl ?? env.BRIDGE_PUBLIC_URL;
      // Readable lines on a terminal, JSON lines for a log collector.
      const pretty = io.stdoutIsTerminal === true;
      const logger = createLogger({ pretty });
      const http = httpOptionsFrom(env);

      const store = openStoreAt(dbPath, env);
      let configured: number;
      try {
        const envLocation = ensureEnvLocation(store, env, new Date());
        for (const warning of envLocationWarnings(store, envLocation))
          io.stderr(`Warning: ${warning}\n`);
        configured = store.locations.list().length;
      } finally {
        store.close();
      }

      let stop: () => Promise<void>;
      if (configured === 0 || flags.demo) {
        const demoLogger = createLogger({ level: env.LOG_LEVEL ?? 'warn', pretty });
        const demo = await startDemo({
          // Beside the SQLite file; with Postgres, in ./data (the demo is one process).
          dbPath: isPostgresUrl(dbPath)
            ? resolve(dirname(DEFAULT_DB_PATH), 'demo.db')
            : join(dirname(dbPath), 'demo.db'),
          host,
          port,
          publicUrl,
          logger: demoLogger,
          write: io.stdout,
          http,
        }).catch((error: unknown) => {
          throw listenError(error, host, port);
        });
        io.stdout(demoBanner(demo));
        stop = async () => {
          await demo.stop();
          await flushLogger(demoLogger);
        };
      } else {
        const bridge = await BridgeService.create({
          dbPath,
          host,
          port,
          publicUrl,
          secrets: loadSecrets(dbPath, env),
          adminToken: env.BRIDGE_ADMIN_TOKEN,
          leaseTiming: leaseTimingFrom(env),
          logger,
          allowLoopbackHttpTargets: env.BRIDGE_ALLOW_LOCAL_HTTP_TARGETS === '1',
          ...http,
          allowPrivateTargets:
            Boolean(flags.allowPrivateTargets) || env.BRIDGE_ALLOW_PRIVATE_TARGETS === '1',
          maxSubscriptionsPerLocation: maxSubscriptionsFrom(env),
        });
        let url: string;
        try {
          url = await bridge.listen();
        } catch (error) {
          await bridge.stop();
          throw listenError(error, host, port);
        }
        bridge.start();
        const db = describeDatabase(dbPath);
        logger.info({ url, db, locations: configured }, `3CX bridge listening on ${url}`);
        io.stdout(`3CX bridge listening on ${url} (${configured} location(s), database ${db})\n`);
        stop = async () => {
          await bridge.stop();
          // The stop's own lines (each location's last event counts) before "Stopped." and the exit.
          await flushLogger(logger);
        };
      }

      await new Promise<void>((resolve) => {
        let stopping = false;
        const onSignal = (signal: string) => {
          if (stopping) {
            io.stderr('Stopping immediately.\n');
            process.exit(130);
          }
          stopping = true;
          io.stdout(
            `\n${signal}: stopping (deliveries in flight finish; Ctrl-C again to force) …\n`,
          );
          stop().then(
            () => {
              io.stdout('Stopped.\n');
              resolve();
            },
            (error: unknown) => {
              io.stderr(`Error while stopping: ${(error as Error).message}\n`);
              resolve();
            },
          );
        };
        signals.on('SIGINT', () => onSignal('SIGINT'));
        signals.on('SIGTERM', () => onSignal('SIGTERM'));
      });
    });
}

/**
 * What the environment sets for the HTTP server: limits (`BRIDGE_REQUEST_TIMEOUT_SECONDS`,
 * `BRIDGE_MAX_CONNECTIONS`, `BRIDGE_RATE_LIMIT_*`: bridge/http/httpLimits.ts), whose
 * X-Forwarded-For to trust (`BRIDGE_TRUST_PROXY`) and the `/metrics` token.
 */
function httpOptionsFrom(
  env: CliIo['env'],
): Pick<BridgeOptions, 'limits' | 'trustProxy' | 'metricsToken'> {
  let limits;
  try {
    limits = httpLimitsFromEnv(env);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    limits,
    trustProxy: env.BRIDGE_TRUST_PROXY || undefined,
    metricsToken: env.BRIDGE_METRICS_TOKEN || undefined,
  };
}

/** Why the bridge could not listen, and what to do: a port in use is the usual one. */
function listenError(error: unknown, host: string, port: number): Error {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const next = port + 1;
  if (code === 'EADDRINUSE')
    return new UsageError(
      `Port ${port} on ${host} is already in use (another bridge or \`npm start\` may be running). ` +
        // `npm start --port N` would give the option to npm, not to the bridge.
        `Stop it, or choose another port: PORT=${next} npm start, npm start -- --port ${next}, or 3cx-bridge serve --port ${next}.`,
    );
  if (code === 'EACCES')
    return new UsageError(
      `Not allowed to listen on port ${port} (ports below 1024 need root): use --port 8787 behind a reverse proxy.`,
    );
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
    return new UsageError(
      `Cannot listen on ${host}: it is not an address of this machine. Use --host 127.0.0.1, or 0.0.0.0 for every interface.`,
    );
  return error instanceof Error ? error : new Error(String(error));
}
