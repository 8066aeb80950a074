import { ThreeCxError } from './errors';

/**
 * The PBX address as the client uses it: scheme, host and port only
 * (`https://pbx.example.com:5001`).
 *
 * People paste what their browser shows: the console with a `/#/office/dashboard` fragment, the
 * `/xapi/v1` root, a bare host name. 3CX serves the XAPI at `/xapi/v1` and the token at
 * `/connect/token` of the site root (docs/xapi-schemas.md §3), so only the origin matters. Dropping the
 * rest also drops any `user:password@` part, which must never reach a log line.
 */
export function normalisePbxUrl(input: string): string {
  const text = input.trim();
  const withScheme = hasScheme(text) ? text : `https://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw invalidUrl(input);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || !isHostName(url.hostname)) {
    throw invalidUrl(input);
  }
  return url.origin;
}

/**
 * What `normalisePbxUrl` assumed about an address typed without a scheme, to say to whoever
 * typed it (`pbx.example.com` becomes `https://pbx.example.com`, port 443, while on-premise
 * consoles often listen on 5001); null when the address was given in full.
 */
export function pbxUrlAssumption(input: string): string | null {
  const text = input.trim();
  if (hasScheme(text)) return null;
  const url = normalisePbxUrl(text);
  const port = new URL(url).port === '' ? ' (port 443)' : '';
  return `"${text}" has no http:// or https://: using ${url}${port}. If the 3CX admin console opens at another address, give it in full, e.g. https://pbx.example.com:5001 (on-premise) or https://name.3cx.eu (hosted).`;
}

/**
 * A name DNS can resolve (letters, digits, hyphens, dots, and underscores as some internal
 * names have; an international name arrives here in its `xn--` form) or an IP address. The URL
 * parser accepts more (`ht!tp` from a mistyped `ht!tp://pbx`), which would only fail later as
 * an unreachable PBX.
 */
function isHostName(hostname: string): boolean {
  return /^[\w-]+(?:\.[\w-]+)*\.?$/i.test(hostname) || /^\[[0-9a-f:.]+\]$/i.test(hostname);
}

function hasScheme(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
}

function invalidUrl(input: string): ThreeCxError {
  const shown = input.length > 80 ? `${input.slice(0, 77)}...` : input;
  return new ThreeCxError(
    'unreachable',
    `The PBX address "${shown.replace(/\/\/[^/@]*@/, '//')}" is not a web address.`,
    'Enter the address you open the 3CX admin console with, e.g. https://pbx.example.com:5001 (on-premise) or https://name.3cx.eu (hosted).',
  );
}
