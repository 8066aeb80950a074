import type { FastifyBaseLogger } from 'fastify';
import type { AddressInfo } from 'node:net';
import {
  createSimCallControl,
  type CallControlOptions,
  type SimCallControl,
} from './callcontrol/simCallControl';
import { CdrIdAllocator } from './cdrIds';
import { countryDialling } from './countryDialling';
import { buildServer } from './http/buildServer';
import type { SimServices } from './http/simServices';
import type { PageQuirks } from './odata/collectionQuery';
import { defaultOfficeHours, OfficeSchedule, type OfficeHoursConfig } from './officeSchedule';
import {
  defaultPbxDirectory,
  PbxDirectory,
  type SimDid,
  type SimExtension,
  type SimIvr,
  type SimQueue,
  type SimRingGroup,
  type SimTrunk,
} from './pbxDirectory';
import { DEFAULT_PBX_VERSION, versionFeatures } from './pbxVersion';
import { SeededRandom } from './seededRandom';
import { SimClock, type SimClockMode } from './simClock';
import { SimFaults } from './simFaults';
import { SimPbx } from './simPbx';
import { DEFAULT_CLIENTS, TokenIssuer, type SimClientConfig } from './tokenIssuer';

export interface SimulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Default one System Owner client `bridge` / `bridge-secret`. */
  clients?: SimClientConfig[];
  /**
   * `SystemStatus.Version`, default `20.0.10.1040`. Below 20.0.6 rows lack `CdrId`,
   * `CallHistoryId`, `MainCallHistoryId`, `Direction`, `CallType`, `Status`; below 20.0.9
   * `expires_in` is in minutes (60), else seconds (3600).
   */
  version?: string;
  /** Default manual, starting 2026-03-02T09:00:00Z. */
  clock?: { mode: SimClockMode; start?: string | number; factor?: number };
  /** Seeds every random choice (callers the scripts leave open, traffic, fault dice). Default 1. */
  seed?: number;
  /** `OfficeHours.TimeZoneId`, default `Australia/Adelaide`. */
  timeZone?: string;
  /** `E164Settings` and numbers: ISO code or calling code, default AU (`61`). */
  country?: string;
  /** Replace parts of the default PBX (trunk 10000, DIDs, extensions 101–110, queue 8001, ring group 8002, IVR 8000). */
  trunks?: SimTrunk[];
  dids?: SimDid[];
  extensions?: SimExtension[];
  queues?: SimQueue[];
  ringGroups?: SimRingGroup[];
  ivrs?: SimIvr[];
  voicemailGreetingSeconds?: number;
  /** Office periods and holidays (the time zone comes from `timeZone`). */
  officeHours?: Partial<Omit<OfficeHoursConfig, 'timeZone'>>;
  /** `GetCallLogData` periods longer than this answer 504. Default 31. */
  maxPeriodDays?: number;
  /**
   * Report pages as some PBXs serve them: `maxPageRows: 100` caps every page whatever `$top`
   * asks (docs/3cx-facts.md §1.3 [3p cloudon]); `ignoresSelect` sends whole rows [inf]. Default none.
   */
  reportQuirks?: PageQuirks;
  /** Legs reach the call log this long after they end. Default 0. */
  callLogDelaySeconds?: number;
  /** `SystemStatus.FQDN`. */
  fqdn?: string;
  /** A pino logger for the HTTP server; default none. */
  logger?: false | FastifyBaseLogger;
  /** Call Control devices and quirks; who may use it is per client (`clients[].callControl`). */
  callControl?: CallControlOptions;
}

export interface Simulator {
  /** `http://127.0.0.1:PORT`: the PBX base URL (token at `/connect/token`, XAPI at `/xapi/v1`). */
  url: string;
  clock: SimClock;
  pbx: SimPbx;
  faults: SimFaults;
  /** Who may log in (ids and roles, never secrets). */
  clients: ReturnType<TokenIssuer['clientRoles']>;
  /** Call Control: the participant view and the WebSocket (sim/callcontrol/). */
  callControl: SimCallControl;
  version: string;
  close(): Promise<void>;
}

/** Start a simulated 3CX V20 PBX speaking the XAPI over HTTP. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const version = options.version ?? DEFAULT_PBX_VERSION;
  const features = versionFeatures(version);
  const seed = options.seed ?? 1;
  const country = countryDialling(options.country ?? 'AU');
  const timeZone = options.timeZone ?? 'Australia/Adelaide';
  const fqdn = options.fqdn ?? 'sim.3cx.example';
  const clock = new SimClock(options.clock ?? { mode: 'manual' });

  const defaults = defaultPbxDirectory(country);
  const directory = new PbxDirectory({
    trunks: options.trunks ?? defaults.trunks,
    dids: options.dids ?? defaults.dids,
    extensions: options.extensions ?? defaults.extensions,
    queues: options.queues ?? defaults.queues,
    ringGroups: options.ringGroups ?? defaults.ringGroups,
    ivrs: options.ivrs ?? defaults.ivrs,
    voicemailGreetingSeconds: options.voicemailGreetingSeconds ?? defaults.voicemailGreetingSeconds,
  });
  const schedule = new OfficeSchedule({
    ...defaultOfficeHours(timeZone),
    ...options.officeHours,
    timeZone,
  });
  const tokens = new TokenIssuer(
    options.clients ?? [...DEFAULT_CLIENTS],
    clock,
    features.expiresInSeconds,
    fqdn,
  );
  const faults = new SimFaults(clock, new SeededRandom(seed ^ 0x5eed), () => tokens.revokeAll());
  const logger = options.logger ?? false;
  const pbx = new SimPbx({
    clock,
    directory,
    country,
    schedule,
    ids: new CdrIdAllocator(),
    random: new SeededRandom(seed),
    withHistoryIds: features.callHistoryIds,
    trafficSeed: seed + 1,
    callLogDelayMs: Math.round((options.callLogDelaySeconds ?? 0) * 1000),
    onTrafficError: logger
      ? (error, script) => logger.warn({ err: error, script }, 'traffic call skipped')
      : undefined,
  });
  const callControl = createSimCallControl(
    { pbx, directory, clock, tokens, faults, random: new SeededRandom(seed ^ 0xcc) },
    options.callControl,
  );
  const services: SimServices = {
    clock,
    pbx,
    tokens,
    faults,
    directory,
    country,
    schedule,
    version,
    features,
    fqdn,
    maxPeriodDays: options.maxPeriodDays ?? 31,
    reportQuirks: options.reportQuirks,
    callControl,
  };

  const app = await buildServer(services, logger);
  try {
    await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  } catch (error) {
    await app.close();
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${host}:${address.port}`,
    clock,
    pbx,
    faults,
    clients: tokens.clientRoles(),
    callControl,
    version,
    close() {
      closing ??= app.close();
      return closing;
    },
  };
}
