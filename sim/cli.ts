import { Command, InvalidArgumentError } from 'commander';
import { startSimulator, type Simulator, type SimulatorOptions } from './startSimulator';
import type { SimClientConfig } from './tokenIssuer';

/**
 * `3cx-sim`: run the simulator as a stand-alone PBX for the demo or for manual poking, e.g.
 * `3cx-sim --port 5001 --client bridge:s3cret --client zapier:other:system_owner --traffic 6`.
 * The CLI clock runs in real time by default (`--speed 60` for a minute per second,
 * `--manual` to step it through `POST /_sim/clock/advance`). Secrets are never printed.
 */
export interface CliOutput {
  log(message: string): void;
}

export async function main(
  argv: readonly string[] = process.argv,
  output: CliOutput = console,
): Promise<Simulator> {
  const program = new Command('3cx-sim')
    .description(
      'A simulated 3CX V20 PBX speaking the XAPI over HTTP, for tests, benchmarks and demos.',
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', integer, 5001)
    .option('--client-id <id>', 'one API client id (with --client-secret; more: --client)', collect)
    .option('--client-secret <secret>', 'its secret (with --client-id)', collect)
    .option(
      '--client <id:secret[:role]>',
      'an API client; repeat for several; role defaults to system_owner',
      collect,
      [],
    )
    .option(
      '--call-control <id=dn,dn…>',
      'give a client Call Control access monitoring these DNs (empty list: no events); repeatable',
      collect,
      [],
    )
    .option('--version <version>', '3CX version to play (SystemStatus.Version)', '20.0.10.1040')
    .option('--speed <factor>', 'sim seconds per real second (1 = real time)', positiveNumber, 1)
    .option('--manual', 'stepped clock: advance it with POST /_sim/clock/advance')
    .option('--start <time>', 'clock start, ISO 8601 (default: now)')
    .option('--traffic <callsPerMinute>', 'generate calls continuously', positiveNumber)
    .option('--office-hours', 'traffic outside office hours goes down the after-hours rule')
    .option('--seed <n>', 'seed for every random choice', integer, 1)
    .option('--time-zone <zone>', 'OfficeHours.TimeZoneId', 'Australia/Adelaide')
    .option('--country <code>', 'E164Settings country (ISO code or calling code)', 'AU')
    .option('--max-period-days <days>', 'longer call-log periods answer 504', integer, 31)
    .addHelpText('after', CLIENTS_HELP)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => output.log(s.trimEnd()),
      writeErr: (s) => output.log(s.trimEnd()),
    });
  program.parse([...argv], { from: 'node' });
  const opts = program.opts<{
    host: string;
    port: number;
    clientId?: string[];
    clientSecret?: string[];
    client: string[];
    callControl: string[];
    version: string;
    speed: number;
    manual?: boolean;
    start?: string;
    traffic?: number;
    officeHours?: boolean;
    seed: number;
    timeZone: string;
    country: string;
    maxPeriodDays: number;
  }>();

  // Usage errors go through `program.error` so that they are printed (as Commander prints its
  // own) before the error is thrown: bin/3cx-sim.js exits quietly on a Commander error.
  const usage = (message: string): never => program.error(`error: ${message}`);
  const pair = { '--client-id': opts.clientId, '--client-secret': opts.clientSecret };
  for (const [flag, given] of Object.entries(pair)) {
    if (given !== undefined && given.length > 1) {
      // Never echo the values: they may be secrets.
      usage(
        `${flag} was given ${given.length} times, but only one --client-id/--client-secret pair is taken; add each further client with --client id:secret[:role] (repeatable)`,
      );
    }
  }
  const clientId = opts.clientId?.[0];
  const clientSecret = opts.clientSecret?.[0];
  if ((clientId === undefined) !== (clientSecret === undefined)) {
    usage('--client-id and --client-secret go together; for more clients use --client id:secret');
  }
  const clients: SimClientConfig[] = [];
  for (const spec of opts.client) {
    const client = parseClient(spec);
    if (client === null) usage(`--client wants id:secret[:role], got ${JSON.stringify(spec)}`);
    else clients.push(client);
  }
  if (clientId !== undefined && clientSecret !== undefined) {
    clients.unshift({ clientId, clientSecret, role: 'system_owner' });
  }
  for (const spec of opts.callControl) {
    const match = /^([^=]+)=(.*)$/.exec(spec);
    const client = match ? clients.find((c) => c.clientId === match[1]) : undefined;
    if (!match || !client) {
      usage(
        `--call-control wants CLIENT_ID=dn,dn… naming a client given with --client-id or --client, got ${JSON.stringify(spec)}`,
      );
    } else {
      client.callControl = {
        monitor: match[2]
          .split(',')
          .map((dn) => dn.trim())
          .filter(Boolean),
      };
    }
  }
  const seen = new Set<string>();
  for (const { clientId: id } of clients) {
    if (seen.has(id))
      usage(`the API client ${JSON.stringify(id)} is given twice; give each client once`);
    seen.add(id);
  }
  const start = opts.start ?? Date.now();
  const clock: SimulatorOptions['clock'] = opts.manual
    ? { mode: 'manual', start }
    : opts.speed === 1
      ? { mode: 'realtime', start }
      : { mode: 'accelerated', start, factor: opts.speed };

  const sim = await startSimulator({
    host: opts.host,
    port: opts.port,
    clients: clients.length > 0 ? clients : undefined,
    version: opts.version,
    clock,
    seed: opts.seed,
    timeZone: opts.timeZone,
    country: opts.country,
    maxPeriodDays: opts.maxPeriodDays,
  });
  if (opts.traffic !== undefined) {
    sim.pbx.startTraffic({
      callsPerMinute: opts.traffic,
      respectOfficeHours: opts.officeHours ?? false,
    });
  }

  const clockText = opts.manual ? 'manual' : opts.speed === 1 ? 'real time' : `${opts.speed}x`;
  output.log(`3CX V20 simulator ${sim.version} listening on ${sim.url}`);
  output.log(`  token     POST ${sim.url}/connect/token`);
  output.log(`  XAPI      ${sim.url}/xapi/v1`);
  output.log(`  control   ${sim.url}/_sim`);
  for (const c of sim.clients.filter((x) => x.callControl)) {
    output.log(
      `  callctl   ${sim.url.replace(/^http/, 'ws')}/callcontrol/ws (${c.clientId} monitors ${c.callControl!.monitor.join(', ') || 'nothing'})`,
    );
  }
  output.log(`  clients   ${sim.clients.map((c) => `${c.clientId} (${c.role})`).join(', ')}`);
  output.log(`  clock     ${clockText} from ${sim.clock.state().iso}`);
  if (opts.traffic !== undefined) output.log(`  traffic   ${opts.traffic} calls/min`);

  const onSignal = (signal: NodeJS.Signals) => {
    output.log(`${signal}: stopping the simulator`);
    void stopped.close();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const stopped: Simulator = {
    ...sim,
    close: async () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await sim.close();
    },
  };
  return stopped;
}

/** `id:secret[:role]`, or null when the id or the secret is missing. */
function parseClient(spec: string): SimClientConfig | null {
  const [clientId, clientSecret, role] = spec.split(':');
  if (!clientId || !clientSecret) return null;
  return { clientId, clientSecret, role: role || 'system_owner' };
}

const CLIENTS_HELP = `
API clients:
  3CX allows one active token per API client, so each consumer (the bridge,
  the Zapier app, a report tool) needs a client of its own. Give the first
  with --client-id and --client-secret (once each), and every further one
  with --client id:secret[:role]; repeat --client for as many as you need.
  The role is system_owner (the default; reads the call log) or system_admin
  (gets 403 on the call log, as on a real PBX). Without any client option
  there is one: bridge / bridge-secret (system_owner).

  e.g. 3cx-sim --client-id 900 --client-secret s3cret --client zapier:other \\
         --client reports:third:system_admin

  Call Control (the event stream, docs/3cx-facts.md §2) is off for every client
  unless given: --call-control 900=101,102,103 lets client 900 monitor those DNs.
`;

/** Every value of a repeated option, in order (`previous` is undefined the first time). */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('not a non-negative integer');
  return n;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError('not a positive number');
  return n;
}
