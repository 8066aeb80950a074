import { z } from 'zod';
import {
  LOCAL_RECEIVER_SETTINGS,
  literalHostRefusal,
  type TargetAddressPolicy,
} from '../delivery/targetAddress';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Where a subscription may point: HTTPS, or plain HTTP to this machine only when the bridge
 * allows it (development, tests, the demo). Never credentials in the URL. A host written as an
 * IP address must be one the address policy allows (public, by default); a host name is checked
 * when the delivery connects (bridge/delivery/targetAddress.ts), which also catches a name that
 * later resolves elsewhere. The first check aborts: the others parse the URL, and `new URL`
 * throws (a 500) on what is not one.
 */
export function targetUrlSchema(policy: TargetAddressPolicy) {
  return z
    .string()
    .trim()
    .max(2000)
    .refine((text) => URL.canParse(text), { message: 'must be a URL', abort: true })
    .refine((text) => {
      const url = new URL(text);
      if (url.protocol === 'https:') return true;
      return url.protocol === 'http:' && policy.allowLoopback && LOOPBACK.has(url.hostname);
    }, 'must be an https URL')
    .refine((text) => {
      const url = new URL(text);
      return url.username === '' && url.password === '';
    }, 'must not contain a user name or password')
    .superRefine((text, context) => {
      const url = new URL(text);
      const refusal =
        literalHostRefusal(url, policy) ??
        (isLocalhostName(url.hostname) && !policy.allowLoopback && !policy.allowPrivate
          ? `localhost is this machine: the bridge delivers to public addresses only (${LOCAL_RECEIVER_SETTINGS})`
          : null);
      if (refusal)
        context.addIssue({
          code: 'custom',
          message: `must be a public address: ${typeof refusal === 'string' ? refusal : refusal.message}`,
        });
    });
}

/** `localhost` and its subdomains resolve to this machine (RFC 6761). */
function isLocalhostName(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost');
}
