import type { ThreeCxClient } from './client';
import { isThreeCxError, type ThreeCxError } from './errors';
import { compareVersions, parseVersion } from './tokenLifetime';

/** The steps of `3cx-bridge check`, in the order a setup fails. */
export type ConnectionCheckStep = 'reachable' | 'token' | 'version' | 'call_log';

export interface ConnectionCheckResult {
  step: ConnectionCheckStep;
  ok: boolean;
  /** What was found, in a sentence. */
  detail: string;
  /** What to change, when not ok. */
  fix?: string;
  /** Not tried, because an earlier step failed. */
  skipped?: true;
}

export interface CheckConnectionOptions {
  /** Epoch milliseconds; `Date.now` by default. The call-log probe reads the hour before. */
  now?: () => number;
}

/** `CallHistoryId` and friends arrived with "update to 20.0.6" (docs/3cx-facts.md §1.4 History). */
const CALL_HISTORY_ID_SINCE = [20, 0, 6];

/**
 * Walk the setup a 3CX admin has to get right, stopping at the first broken step:
 * 1. `reachable`: the PBX answers HTTP at the URL (port, firewall, TLS; docs/3cx-facts.md §1.1, §6);
 * 2. `token`: the client ID and API key are accepted (docs/3cx-facts.md §1.2);
 * 3. `version`: `/SystemStatus` answers, i.e. the XAPI is there (licence, "XAPI Access
 *    Enabled"); also teaches the client the `expires_in` unit;
 * 4. `call_log`: the role may read the call log (System Owner; System Admin gets 403, §1.1).
 * Never throws for a 3CX problem; other errors (a bug) propagate.
 */
export async function checkConnection(
  client: ThreeCxClient,
  options: CheckConnectionOptions = {},
): Promise<ConnectionCheckResult[]> {
  const now = options.now ?? Date.now;
  const results: ConnectionCheckResult[] = [];

  let tokenExpiresAt: number | null;
  try {
    tokenExpiresAt = (await client.authenticate()).expiresAt;
  } catch (error) {
    const failure = threeCxFailure(error);
    if (failure.kind === 'unreachable' || failure.kind === 'timeout') {
      results.push(failed('reachable', failure));
      return [...results, ...skipped(['token', 'version', 'call_log'], 'the PBX is not reachable')];
    }
    results.push(reachable(client));
    results.push(failed('token', failure));
    return [...results, ...skipped(['version', 'call_log'], 'there is no token')];
  }
  results.push(reachable(client));
  results.push({
    step: 'token',
    ok: true,
    detail:
      tokenExpiresAt === null
        ? '3CX accepted the client ID and API key.'
        : `3CX accepted the client ID and API key; the token is valid until ${new Date(tokenExpiresAt).toISOString()}.`,
  });

  try {
    const status = await client.systemStatus();
    results.push(versionResult(status.Version ?? null, status.FQDN ?? null, status.LicenseActive));
  } catch (error) {
    results.push(failed('version', threeCxFailure(error)));
    return [...results, ...skipped(['call_log'], 'the XAPI did not answer')];
  }

  try {
    const to = now();
    const rows = await client.callLogPage({ from: to - 3600_000, to, top: 1 });
    results.push({
      step: 'call_log',
      ok: true,
      detail:
        rows.length > 0
          ? 'The API client may read the call log (calls found in the last hour).'
          : 'The API client may read the call log (no calls in the last hour).',
    });
  } catch (error) {
    results.push(failed('call_log', threeCxFailure(error)));
  }
  return results;
}

function reachable(client: ThreeCxClient): ConnectionCheckResult {
  return { step: 'reachable', ok: true, detail: `3CX answers at ${client.pbxUrl}.` };
}

function versionResult(
  version: string | null,
  fqdn: string | null,
  licenseActive: boolean | null | undefined,
): ConnectionCheckResult {
  const name = fqdn ? ` (${fqdn})` : '';
  const parsed = version === null ? null : parseVersion(version);
  if (licenseActive === false) {
    return {
      step: 'version',
      ok: false,
      detail: `3CX ${version ?? '(version unknown)'}${name} reports its licence as inactive.`,
      fix: 'Activate the licence in the 3CX admin console; the XAPI needs an active Enterprise licence.',
    };
  }
  if (parsed !== null && compareVersions(parsed, CALL_HISTORY_ID_SINCE) < 0) {
    return {
      step: 'version',
      ok: true,
      detail: `3CX ${version}${name}: older than V20 Update 6, so calls are grouped by CallId, which is less exact.`,
      fix: 'Update the PBX to the latest V20 update for reliable grouping of call legs.',
    };
  }
  return {
    step: 'version',
    ok: true,
    detail: `3CX ${version ?? '(version not reported)'}${name}, XAPI available.`,
  };
}

function failed(step: ConnectionCheckStep, error: ThreeCxError): ConnectionCheckResult {
  return { step, ok: false, detail: error.problem, fix: error.fix };
}

function skipped(steps: ConnectionCheckStep[], reason: string): ConnectionCheckResult[] {
  return steps.map((step) => ({
    step,
    ok: false,
    detail: `Not checked: ${reason}.`,
    skipped: true as const,
  }));
}

function threeCxFailure(error: unknown): ThreeCxError {
  if (isThreeCxError(error)) return error;
  throw error;
}
