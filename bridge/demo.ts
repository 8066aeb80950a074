import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Logger } from 'pino';
import { startSimulator, type Simulator } from '3cx-sim';
import type { CallEventType } from '../lib/callEvent';
import type { CallFacts } from '../lib/settledCall';
import { BridgeService, type BridgeOptions } from './bridgeService';
import { loadSecrets } from './config';

export interface DemoOptions {
  dbPath: string;
  host: string;
  port: number;
  publicUrl?: string;
  logger: Logger;
  write: (text: string) => void;
  /** Simulated calls per minute. */
  callsPerMinute?: number;
  /** The HTTP limits, trusted proxies and metrics token `serve` was given. */
  http?: Pick<BridgeOptions, 'limits' | 'trustProxy' | 'metricsToken'>;
}

export interface RunningDemo {
  bridge: BridgeService;
  sim: Simulator;
  url: string;
  apiKey: string;
  stop(): Promise<void>;
}

/** The default simulated office's extensions (sim/pbxDirectory.ts). */
const DEMO_EXTENSIONS = ['101', '102', '103', '104', '105', '106', '107', '108', '109', '110'];

/**
 * Demo mode: no 3CX is configured, so the built-in simulator plays one (a small office in
 * Adelaide with a sales queue, a support ring group and an IVR) with generated traffic, and the
 * bridge polls it like a real PBX. Everything is labelled as simulated; the demo database is
 * fresh on every start and never mixed with a real one.
 */
export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  // The demo's database is wiped below: not while another demo on this port still uses it.
  await ensurePortFree(options.host, options.port);
  const secret = randomBytes(16).toString('hex');
  const sim = await startSimulator({
    // With Call Control access on the office's ten extensions, as an Enterprise PBX would
    // have it: the demo shows call.started at the first ring and plain misses within seconds.
    clients: [
      {
        clientId: 'demo-bridge',
        clientSecret: secret,
        role: 'system_owner',
        callControl: { monitor: DEMO_EXTENSIONS },
      },
    ],
    clock: { mode: 'realtime', start: Date.now() },
    seed: Date.now() % 100_000,
  });
  let bridge: BridgeService | null = null;
  try {
    seedRecentCalls(sim);
    // With call backs and callers ringing again, so the dashboard's follow-up has something to show.
    sim.pbx.startTraffic({ callsPerMinute: options.callsPerMinute ?? 4, followUps: {} });

    for (const suffix of ['', '-wal', '-shm'])
      rmSync(`${options.dbPath}${suffix}`, { force: true });
    bridge = await BridgeService.create({
      dbPath: options.dbPath,
      // Its own key file beside the demo database (no environment: the demo is self-contained).
      secrets: loadSecrets(options.dbPath, {}),
      host: options.host,
      port: options.port,
      publicUrl: options.publicUrl,
      logger: options.logger,
      allowLoopbackHttpTargets: true,
      onEvent: (_location, event) => options.write(`${describeEvent(event)}\n`),
      ...options.http,
    });
    return await runDemo(bridge, sim, secret);
  } catch (error) {
    // Nothing may keep the process alive after a failed start (a port in use): stop it all.
    await bridge?.stop();
    await sim.close();
    throw error;
  }
}

/**
 * Listen on the port for a moment and let it go: a port in use fails here with the error
 * `listen` would give (EADDRINUSE), before anything is started or deleted. Port 0 is any port.
 */
async function ensurePortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** The demo location (polling the simulator with `secret`) and its key, then listening and running. */
async function runDemo(
  bridge: BridgeService,
  sim: Simulator,
  secret: string,
): Promise<RunningDemo> {
  const now = new Date();
  const location = bridge.store.locations.create(
    {
      name: 'Demo Office (simulated 3CX)',
      pbxUrl: sim.url,
      clientId: 'demo-bridge',
      clientSecret: secret,
      country: 'AU',
      timezone: 'Australia/Adelaide',
      settings: {
        enrichment: {
          sourceLists: {
            lists: [
              { id: 'sales', name: 'Sales line', dialed_numbers: ['+61881234501'] },
              { id: 'support', name: 'Support line', dialed_numbers: ['+61881234502'] },
            ],
            defaultList: null,
          },
        },
      },
    },
    now,
  );
  const { key } = bridge.store.apiKeys.create(location.id, 'demo', now);
  bridge.refreshLocations();
  const url = await bridge.listen();
  bridge.start();
  return {
    bridge,
    sim,
    url,
    apiKey: key,
    async stop() {
      await bridge.stop();
      await sim.close();
    },
  };
}

/**
 * A few calls from the last minutes, so the first poll already has something to show: the
 * bridge reads back 15 minutes on a location's first start.
 */
function seedRecentCalls(sim: Simulator): void {
  const minutesAgo = (m: number) => sim.clock.now() - m * 60_000;
  const scripts: Array<Record<string, unknown>> = [
    {
      kind: 'queue',
      at: minutesAgo(9),
      caller: '+61412345678',
      callerName: 'Jane Citizen',
      did: '+61881234501',
      result: 'voicemail',
      messageSeconds: 25,
    },
    {
      kind: 'direct',
      at: minutesAgo(8),
      caller: '+61298765432',
      extension: '101',
      result: 'answered',
      talkSeconds: 95,
    },
    {
      kind: 'ringGroup',
      at: minutesAgo(7),
      caller: '+61733334444',
      did: '+61881234502',
      result: 'voicemail',
      messageSeconds: 0,
    },
    { kind: 'ivr', at: minutesAgo(6), caller: 'Anonymous' },
    {
      kind: 'queue',
      at: minutesAgo(4),
      caller: '+61412345678',
      callerName: 'Jane Citizen',
      did: '+61881234501',
      result: 'hangup',
      waitSeconds: 40,
    },
    {
      kind: 'outbound',
      at: minutesAgo(3),
      from: '103',
      number: '+61412345678',
      result: 'answered',
      talkSeconds: 120,
    },
  ];
  for (const script of scripts) sim.pbx.placeCall(script);
}

export function demoBanner(demo: RunningDemo): string {
  return [
    '',
    '  ┌─────────────────────────────────────────────────────────────────────┐',
    '  │  DEMO MODE: no 3CX is configured, so a SIMULATED 3CX plays calls.   │',
    '  │  Nothing here is a real phone call.                                 │',
    '  └─────────────────────────────────────────────────────────────────────┘',
    '',
    `  Bridge API:      ${demo.url}`,
    `  Demo API key:    ${demo.apiKey}   (shown once; new on every start)`,
    `  Simulated 3CX:   ${demo.sim.url}`,
    `  Dashboard:       ${demo.url}/dashboard   (sign in with the demo API key)`,
    '',
    '  Try it:',
    // Quoted: zsh (macOS's shell) reads an unquoted `?` as a file pattern and runs nothing.
    `    curl -H "Authorization: Bearer ${demo.apiKey}" "${demo.url}/v1/events?event=call.missed"`,
    `    curl -H "Authorization: Bearer ${demo.apiKey}" ${demo.url}/v1/calls`,
    '',
    // npx: `npm start` put nothing on the PATH (README "Connecting a real 3CX").
    '  To use a real 3CX: npx 3cx-bridge location add --name "…" --pbx-url … --client-id … \\',
    '                           --client-secret … --country AU --timezone Australia/Adelaide',
    '  then npm start again. Ctrl-C stops.',
    '',
    '  Events, one line each, as the simulated calls settle:',
    '',
  ].join('\n');
}

function describeEvent(event: {
  type: CallEventType;
  call: CallFacts;
  suppressed: boolean;
}): string {
  const c = event.call;
  const time = new Date().toISOString().slice(11, 19);
  const caller = c.caller_anonymous ? 'withheld number' : (c.caller_number ?? c.caller_number_raw);
  const target = c.queue_name ?? c.callee_name ?? c.callee_number ?? '';
  let detail = '';
  if (event.type !== 'call.started') {
    detail = c.outcome;
    if (c.voicemail) detail += c.voicemail_left ? ', voicemail left' : ', voicemail greeting only';
    if (c.answered_by) detail += ` by ${c.answered_by_name ?? c.answered_by}`;
  }
  return `  [demo ${time}] ${event.type.padEnd(12)} ${c.direction.padEnd(8)} ${caller} → ${target}${detail ? ` (${detail})` : ''}${event.suppressed ? ' [suppressed: dialler cooldown]' : ''}`;
}
