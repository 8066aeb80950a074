import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Row } from './report';

/**
 * Webhooks over TLS, as production sends them: a Zap's hook is an `https://hooks.zapier.com/…`
 * URL and Make's are https too (docs/api.md `target_url`, docs/zapier-facts.md). Over plain
 * http the bench left out the TLS work of every POST (+18–42 µs of CPU each, BENCHMARKS.md
 * "Issue 16: do the benchmarks flatter?").
 *
 * The receivers serve a certificate made at bench start for 127.0.0.1 alone (openssl, which
 * the project's TLS tests use too: test/threecx/threecxTransport.test.ts; nothing is downloaded),
 * and the bridge trusts it the way an operator trusts an internal CA: `NODE_EXTRA_CA_CERTS`,
 * which Node reads only when a process starts. So the bench process starts itself again with
 * it set (`relaunchTrustingReceivers`), and the bridge's own `WebhookClient` verifies every
 * connection as it would in production: no option of the bridge turns verification off.
 *
 * `BENCH_TLS=0` keeps the old plain-http receivers.
 */

/** The benchmarks whose receivers serve https when `BENCH_TLS` allows (issue 16's must-show keys). */
export const TLS_BENCHMARKS: readonly string[] = ['throughput', 'locations'];

/** Where the relaunched process finds the receivers' key and certificate. */
const TLS_DIR_VARIABLE = 'BENCH_TLS_DIR';

/** `BENCH_TLS`: https receivers unless `0` (or `false`, `off`, `no`). */
export function receiversUseTls(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.BENCH_TLS ?? '').trim().toLowerCase();
  return !['0', 'false', 'off', 'no'].includes(value);
}

/** A receiver's TLS key and certificate (PEM). */
export interface ReceiverTls {
  key: string;
  cert: string;
}

/**
 * A self-signed certificate for `127.0.0.1` only (its one subject alternative name: Node checks
 * an IP host against the certificate's IP names, never its common name), valid for a day, with
 * its key, written to `dir` as key.pem and cert.pem. ECDSA P-256, as public CAs issue to most
 * HTTPS sites today; with keep-alive connections the handshake is rare anyway.
 */
export function makeLoopbackCertificate(dir: string): { keyPath: string; certPath: string } {
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ],
    { stdio: 'ignore' },
  );
  return { keyPath, certPath };
}

/**
 * The environment the bench process is started again with: the certificate trusted, and where
 * the receivers find it.
 */
export function trustingEnvironment(
  env: NodeJS.ProcessEnv,
  dir: string,
  certPath: string,
): NodeJS.ProcessEnv {
  return { ...env, NODE_EXTRA_CA_CERTS: certPath, [TLS_DIR_VARIABLE]: dir };
}

/**
 * The receivers' key and certificate in the relaunched process; null with `BENCH_TLS=0`, before
 * the relaunch, or when the process does not trust the certificate (the bridge would refuse
 * every delivery, and a bench of refusals measures nothing).
 */
export function receiverTls(env: NodeJS.ProcessEnv = process.env): ReceiverTls | null {
  const dir = env[TLS_DIR_VARIABLE];
  if (!receiversUseTls(env) || !dir) return null;
  const certPath = join(dir, 'cert.pem');
  if (env.NODE_EXTRA_CA_CERTS !== certPath) return null;
  return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(certPath, 'utf8') };
}

/**
 * Whether this process must start again trusting the receivers' certificate: https wanted, a
 * benchmark with https receivers named, and not started again already.
 */
export function needsRelaunch(names: readonly string[], env: NodeJS.ProcessEnv): boolean {
  if (!receiversUseTls(env) || env[TLS_DIR_VARIABLE]) return false;
  return names.some((name) => TLS_BENCHMARKS.includes(name));
}

/**
 * When `names` include a benchmark with https receivers and this process does not trust their
 * certificate yet: make one, run this same command again in a child process that trusts it
 * (same Node flags, arguments and output), and return its exit code once it ends; the caller
 * then stops. Null when no relaunch is needed (the caller runs the benchmarks itself).
 */
export function relaunchTrustingReceivers(
  names: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): number | null {
  if (!needsRelaunch(names, env)) return null;
  const dir = mkdtempSync(join(tmpdir(), '3cx-bench-tls-'));
  try {
    const { certPath } = makeLoopbackCertificate(dir);
    const child = spawnSync(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: trustingEnvironment(env, dir, certPath),
    });
    return child.status ?? 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** How the receivers are reached in this run: https (the default) or plain http (`BENCH_TLS=0`). */
export function receiversRow(env: NodeJS.ProcessEnv = process.env): Row {
  if (receiverTls(env))
    return {
      scheme: 'https',
      note: 'a certificate for 127.0.0.1 made at start, trusted through NODE_EXTRA_CA_CERTS (bench/benchTls.ts)',
    };
  return {
    scheme: 'http',
    note: receiversUseTls(env)
      ? 'https was asked for, but this process does not trust the certificate: run through bench/run.ts'
      : 'BENCH_TLS=0: plain http, as before 2026-12-03',
  };
}
