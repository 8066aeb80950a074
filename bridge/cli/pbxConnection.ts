import type { Command } from 'commander';
import { createThreecxTransport } from '../threecx/threecxTransport';
import { ThreeCxClient } from '../../lib/threecx/client';
import type { HttpTransport } from '../../lib/threecx/httpTransport';
import { relativeDurationMs } from '../reports/reportPeriod';
import { pbxUrlAssumption } from '../../lib/threecx/pbxUrl';
import { UsageError, type CliIo } from './io';
import { findLocation, withStore } from './locationCommands';

export interface PbxFlags {
  pbxUrl?: string;
  clientId?: string;
  clientSecret?: string;
  location?: string;
  selfSigned?: boolean;
  country?: string;
  db?: string;
}

/** The flags every command that talks to a PBX takes: explicit, from the environment, or a stored location. */
export function addPbxOptions(command: Command): Command {
  return command
    .option('--pbx-url <url>', '3CX admin console address (or THREECX_URL)')
    .option('--client-id <id>', '3CX API client id (or THREECX_CLIENT_ID)')
    .option(
      '--client-secret <secret>',
      '3CX API key (or THREECX_CLIENT_SECRET, kept out of shell history)',
    )
    .option('--location <location>', "use a stored location's connection instead (id or name)")
    .option('--self-signed', 'accept a self-signed certificate on the PBX')
    .option(
      '--country <cc>',
      "default country for national-format numbers (default: the location's, or AU)",
    )
    .option('--db <path>', 'bridge database file (with --location)');
}

export interface PbxConnection {
  client: ThreeCxClient;
  /** The client's transport (Call Control REST goes through it too). */
  transport: HttpTransport;
  allowSelfSignedTls: boolean;
  country: string;
  pbxUrl: string;
  /** The stored location's time zone (`--location`); null for a PBX named by its URL. */
  timezone: string | null;
}

/**
 * A client for the PBX the flags name. Note: 3CX keeps one token per API client, so running
 * this beside a bridge that uses the same client makes the bridge fetch a new token (it
 * recovers by itself); a separate API client for admin commands avoids even that.
 */
export function connectFromFlags(flags: PbxFlags, io: CliIo): PbxConnection {
  let pbxUrl = flags.pbxUrl ?? io.env.THREECX_URL;
  let clientId = flags.clientId ?? io.env.THREECX_CLIENT_ID;
  let clientSecret = flags.clientSecret ?? io.env.THREECX_CLIENT_SECRET;
  let country = flags.country;
  let selfSigned = Boolean(flags.selfSigned);
  let timezone: string | null = null;
  if (flags.location) {
    withStore(flags.db, io, (store) => {
      const loc = findLocation(store, flags.location!);
      if (!loc.pbxUrl || !loc.clientId)
        throw new UsageError(`Location "${loc.name}" has no 3CX connection (journal only).`);
      pbxUrl = loc.pbxUrl;
      clientId = loc.clientId;
      clientSecret = store.locations.clientSecret(loc.id) ?? undefined;
      country ??= loc.country;
      selfSigned ||= loc.settings.allowSelfSignedTls;
      timezone = loc.timezone;
    });
  }
  const missing = [
    !pbxUrl && '--pbx-url',
    !clientId && '--client-id',
    !clientSecret && '--client-secret',
  ].filter(Boolean);
  if (missing.length > 0)
    throw new UsageError(
      `Missing ${missing.join(', ')} (or --location NAME for a stored location).`,
    );
  const assumed = pbxUrlAssumption(pbxUrl!);
  if (assumed && !flags.location) io.stderr(`Note: ${assumed}\n`);
  let client: ThreeCxClient;
  const transport = createThreecxTransport({ allowSelfSignedTls: selfSigned });
  try {
    client = new ThreeCxClient({
      pbxUrl: pbxUrl!,
      clientId: clientId!,
      clientSecret: clientSecret!,
      transport,
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    client,
    transport,
    allowSelfSignedTls: selfSigned,
    country: (country ?? 'AU').toUpperCase(),
    pbxUrl: client.pbxUrl,
    timezone,
  };
}

/** `2h`, `30m`, `1d`, `90s`, `1w` → milliseconds. */
export function parseSince(text: string): number {
  const ms = relativeDurationMs(text);
  if (ms === null) throw new UsageError(`--since must look like 30m, 2h, 1d or 1w, not "${text}"`);
  return ms;
}
