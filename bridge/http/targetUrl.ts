import { z } from 'zod';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Where a subscription may point: HTTPS, or plain HTTP to this machine only when the bridge
 * allows it (development, tests, the demo). Never credentials in the URL. The first check
 * aborts: the others parse the URL, and `new URL` throws (a 500) on what is not one.
 */
export function targetUrlSchema(allowLoopbackHttp: boolean) {
  return z
    .string()
    .trim()
    .max(2000)
    .refine((text) => URL.canParse(text), { message: 'must be a URL', abort: true })
    .refine((text) => {
      const url = new URL(text);
      if (url.protocol === 'https:') return true;
      return url.protocol === 'http:' && allowLoopbackHttp && LOOPBACK.has(url.hostname);
    }, 'must be an https URL')
    .refine((text) => {
      const url = new URL(text);
      return url.username === '' && url.password === '';
    }, 'must not contain a user name or password');
}
