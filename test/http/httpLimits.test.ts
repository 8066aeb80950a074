import { DEFAULT_HTTP_LIMITS, httpLimitsFromEnv } from '../../bridge/http/httpLimits';

/** `serve` reads the limits from its environment (README "Running it in production"). */
describe('HTTP limits from the environment', () => {
  it('keeps the defaults when nothing is set, and a template key outlasts a full key', () => {
    expect(httpLimitsFromEnv({})).toEqual(DEFAULT_HTTP_LIMITS);
    // A PBX's lookups and journal entries (two a call) must fit where a Zap's key would stop.
    expect(DEFAULT_HTTP_LIMITS.perTemplateKeyPerMinute).toBeGreaterThanOrEqual(
      4 * DEFAULT_HTTP_LIMITS.perKeyPerMinute,
    );
    // 3CX sends everything from the PBX's one address: that limit must not cut the key's.
    expect(DEFAULT_HTTP_LIMITS.perAddressPerMinute).toBeGreaterThan(
      DEFAULT_HTTP_LIMITS.perTemplateKeyPerMinute,
    );
  });

  it('reads every variable, seconds for the request timeout, 0 turning a rate limit off', () => {
    const limits = httpLimitsFromEnv({
      BRIDGE_REQUEST_TIMEOUT_SECONDS: '10',
      BRIDGE_MAX_CONNECTIONS: '50',
      BRIDGE_RATE_LIMIT_PER_KEY: '100',
      BRIDGE_RATE_LIMIT_PER_TEMPLATE_KEY: '9000',
      BRIDGE_RATE_LIMIT_PER_ADDRESS: '0',
      BRIDGE_RATE_LIMIT_FAILED_AUTH: ' ',
    });
    expect(limits).toMatchObject({
      requestTimeoutMs: 10_000,
      headersTimeoutMs: 10_000,
      maxConnections: 50,
      perKeyPerMinute: 100,
      perTemplateKeyPerMinute: 9000,
      perAddressPerMinute: 0,
      failedAuthPerMinute: DEFAULT_HTTP_LIMITS.failedAuthPerMinute,
    });
  });

  it('refuses a value that is not a whole number, naming the variable', () => {
    expect(() => httpLimitsFromEnv({ BRIDGE_RATE_LIMIT_PER_TEMPLATE_KEY: '1.5' })).toThrow(
      'BRIDGE_RATE_LIMIT_PER_TEMPLATE_KEY must be a whole number of 0 or more, not "1.5".',
    );
    expect(() => httpLimitsFromEnv({ BRIDGE_MAX_CONNECTIONS: '0' })).toThrow(
      /cannot be turned off/,
    );
  });
});
