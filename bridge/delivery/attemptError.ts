import { TargetRefusedError } from './targetAddress';

/**
 * What a failed attempt is called where a location's key holder can read it
 * (`GET /v1/events/:id/deliveries`, `last_error`): a coarse category, never the socket error
 * itself. `ECONNREFUSED` against `ETIMEDOUT`, or a certificate's subject, would tell a key holder
 * which internal hosts and ports exist (a port scanner run through the bridge); the detail goes
 * to the bridge's own log for the operator.
 */
export type AttemptErrorCategory =
  'timed out' | 'connection failed' | 'TLS error' | 'refused: not a public address';

/** How the target behaved, for its concurrency and circuit breaker (targetHealth.ts). */
export type AttemptSignal = 'unreachable' | 'refused';

export interface AttemptError {
  category: AttemptErrorCategory;
  signal: AttemptSignal;
  /** The error as Node reported it: for the log only. */
  detail: string;
}

/** The request took longer than the delivery timeout (the worker aborts it). */
export class AttemptTimeoutError extends Error {
  readonly code = 'ERR_DELIVERY_TIMEOUT';
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'AttemptTimeoutError';
  }
}

/** Node's TLS and certificate error codes (node:tls, OpenSSL's X509_V_ERR_* names). */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

export function describeAttemptError(error: unknown): AttemptError {
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  const detail = [code, typeof e?.message === 'string' ? e.message : String(error)]
    .filter(Boolean)
    .join(': ');
  if (error instanceof AttemptTimeoutError)
    return { category: 'timed out', signal: 'unreachable', detail };
  if (error instanceof TargetRefusedError)
    return { category: 'refused: not a public address', signal: 'refused', detail };
  if (TLS_CODE.test(code)) return { category: 'TLS error', signal: 'unreachable', detail };
  return { category: 'connection failed', signal: 'unreachable', detail };
}
