/**
 * The Bridge URL a Zapier user pastes when connecting. The API key travels in every request,
 * so the bridge must be reached over HTTPS (Zapier check D007; docs/api.md opens with it);
 * plain HTTP is accepted only for a bridge on the same machine (development, tests), which
 * Zapier's servers could never reach anyway.
 */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export class BridgeUrlError extends Error {
  override name = 'BridgeUrlError';
}

/**
 * Normalise what a user typed into the base URL requests are built on: surrounding spaces,
 * trailing slashes and a trailing `/v1` (people copy the API address) are removed. A path
 * prefix stays, for a bridge behind a reverse proxy on a sub-path.
 */
export function normalizeBridgeUrl(input: unknown): string {
  const text = typeof input === 'string' ? input.trim() : '';
  if (text === '') {
    throw new BridgeUrlError(
      'Enter the Bridge URL: the address where your 3CX bridge is reachable, such as https://bridge.example.com.',
    );
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BridgeUrlError(
      `"${text}" is not a web address. Enter the Bridge URL with https://, such as https://bridge.example.com.`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new BridgeUrlError(
      `The Bridge URL must start with https:// (it starts with ${url.protocol}//).`,
    );
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new BridgeUrlError(
      `The Bridge URL must use https:// because your API key is sent with every request. Plain http:// is only allowed for localhost and 127.0.0.1. Put the bridge behind HTTPS (for example a reverse proxy with a Let's Encrypt certificate) and use https://${url.host}${url.pathname === '/' ? '' : url.pathname}.`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new BridgeUrlError(
      'The Bridge URL must not contain a user name or password: the API key is all the bridge needs.',
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw new BridgeUrlError(
      'The Bridge URL must not contain ? or #: enter only the address, such as https://bridge.example.com.',
    );
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return `${url.origin}${path}`;
}

/** The absolute URL of a bridge API path (`/v1/...`). */
export function bridgeApiUrl(bridgeUrl: unknown, path: string): string {
  return `${normalizeBridgeUrl(bridgeUrl)}${path}`;
}
