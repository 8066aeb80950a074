/**
 * What one client may cost the bridge's HTTP server, in connections, time and requests. Every
 * value has a default that real use stays far below (README "Running it in production") and
 * an environment variable to change it; `0` turns a rate limit off.
 */
export interface HttpLimits {
  /**
   * A request's headers and body must have arrived this long after it began: a client that
   * trickles a body (one byte every 20 s) is cut off with a 408 instead of holding a
   * connection for good. Zapier's, Make's and 3CX's requests are a few kilobytes.
   */
  requestTimeoutMs: number;
  /** The headers alone must have arrived within this (at most `requestTimeoutMs`). */
  headersTimeoutMs: number;
  /**
   * How often Node looks for requests past those timeouts: a trickling client is cut off at
   * most this long after its timeout (Node's `connectionsCheckingInterval`, 30 s by default,
   * which would let a 30 s timeout run to 60 s).
   */
  timeoutCheckIntervalMs: number;
  /** A connection that neither sends nor reads for this long during a request is closed. */
  idleTimeoutMs: number;
  /**
   * A keep-alive connection between requests is closed after this. Longer than the 60 s idle
   * timeout of common load balancers (AWS ALB, nginx upstream keep-alive), so the proxy, not
   * the bridge, closes first and never sends a request into a closing connection.
   */
  keepAliveTimeoutMs: number;
  /** Requests one keep-alive connection may carry before the bridge asks for a new one. */
  maxRequestsPerSocket: number;
  /**
   * Open connections at most (each holds a file descriptor, which deliveries and the database
   * need too). At the cap, the connection idle the longest is closed to make room
   * (connectionCap.ts), so idle connections cannot lock anyone out.
   */
  maxConnections: number;
  /** Requests per minute one full API key may make (every Zap and scenario sharing it). */
  perKeyPerMinute: number;
  /**
   * Requests per minute one template-scoped key may make (the key typed into the PBX's CRM
   * template). The PBX sends a contact lookup per call and a journal entry when it ends (the
   * scenarios `""` and `ReportCall`, docs/3cx-facts.md §4.2): a call centre taking 300 calls a
   * minute makes ~600 requests a minute, which would
   * meet a full key's limit and lose journal entries. The key reaches only the template's
   * routes, so a larger budget exposes nothing else.
   */
  perTemplateKeyPerMinute: number;
  /**
   * Requests per minute from one client address, key or not. 3CX sends every agent's
   * lookups and journal entries from the PBX's one address (up to the template key's limit),
   * and Zapier sends from a few addresses shared by all its users: generous on purpose.
   */
  perAddressPerMinute: number;
  /** Requests with a missing or wrong key (or metrics token) per minute from one address. */
  failedAuthPerMinute: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 15_000,
  timeoutCheckIntervalMs: 5_000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 72_000,
  maxRequestsPerSocket: 1000,
  maxConnections: 1000,
  perKeyPerMinute: 600,
  perTemplateKeyPerMinute: 3000,
  perAddressPerMinute: 3600,
  failedAuthPerMinute: 30,
};

/** The environment variable that sets each limit (seconds for times, counts otherwise). */
export const HTTP_LIMIT_VARIABLES = {
  BRIDGE_REQUEST_TIMEOUT_SECONDS: 'requestTimeoutMs',
  BRIDGE_MAX_CONNECTIONS: 'maxConnections',
  BRIDGE_RATE_LIMIT_PER_KEY: 'perKeyPerMinute',
  BRIDGE_RATE_LIMIT_PER_TEMPLATE_KEY: 'perTemplateKeyPerMinute',
  BRIDGE_RATE_LIMIT_PER_ADDRESS: 'perAddressPerMinute',
  BRIDGE_RATE_LIMIT_FAILED_AUTH: 'failedAuthPerMinute',
} as const satisfies Record<string, keyof HttpLimits>;

/** The defaults with what `overrides` changes, checked: a limit that cannot work throws. */
export function httpLimits(overrides: Partial<HttpLimits> = {}): HttpLimits {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...overrides };
  // Node refuses a headers timeout longer than the request timeout.
  limits.headersTimeoutMs = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`The HTTP limit ${name} must be a whole number of 0 or more, not ${value}.`);
  }
  if (limits.requestTimeoutMs === 0 || limits.maxConnections === 0)
    throw new Error('The request timeout and the connection cap cannot be turned off.');
  return limits;
}

/** The limits the environment sets (`BRIDGE_REQUEST_TIMEOUT_SECONDS`, …), for `serve`. */
export function httpLimitsFromEnv(env: Readonly<Record<string, string | undefined>>): HttpLimits {
  const overrides: Partial<HttpLimits> = {};
  for (const [variable, key] of Object.entries(HTTP_LIMIT_VARIABLES)) {
    const text = env[variable];
    if (text === undefined || text.trim() === '') continue;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0)
      throw new Error(`${variable} must be a whole number of 0 or more, not "${text}".`);
    overrides[key] = key === 'requestTimeoutMs' ? value * 1000 : value;
  }
  return httpLimits(overrides);
}
