import { isTransportError, type HttpTransport } from './httpTransport';
import { networkError, notThreeCx, tokenRequestError } from './errors';
import { tokenLifetime, type TokenLifetime } from './tokenLifetime';

export interface TokenCacheOptions {
  /** Normalised PBX origin, `https://pbx.example.com:5001` (see lib/threecx/pbxUrl.ts). */
  pbxUrl: string;
  clientId: string;
  clientSecret: string;
  transport: HttpTransport;
  now: () => number;
  timeoutMs: number;
  /** Renew this long before expiry (capped at a quarter of the token's life). */
  refreshMarginMs: number;
  /** `SystemStatus.Version` when already known (decides the `expires_in` unit). */
  pbxVersion?: string | null;
  onTokenFetched?: (lifetime: TokenLifetime) => void;
}

interface CachedToken {
  accessToken: string;
  /** When we asked for it: a conservative start of its life. */
  requestedAt: number;
  /** Raw `expires_in`; its unit is decided when needed, as the PBX version may arrive later. */
  expiresIn: number;
}

/** 3CX documents 60 (minutes); used when an answer has no usable `expires_in` (docs/3cx-facts.md §1.2). */
const DOCUMENTED_EXPIRES_IN = 60;

/**
 * The access token of one 3CX API client (`POST /connect/token`, client credentials,
 * docs/3cx-facts.md §1.2).
 *
 * 3CX keeps only one active token per API client: fetching a new one kills the old. So all
 * callers share one token and at most one fetch is in flight; concurrent callers wait for the
 * same fetch instead of killing each other's tokens. Use one cache per API client per process.
 */
export class TokenCache {
  private current: CachedToken | null = null;
  private pending: Promise<string> | null = null;
  private version: string | null;

  constructor(private readonly options: TokenCacheOptions) {
    this.version = options.pbxVersion ?? null;
  }

  /** A token that is not about to expire; fetches one (shared) when needed. */
  accessToken(): Promise<string> {
    if (this.pending) return this.pending;
    const token = this.current;
    if (token && this.options.now() < this.renewAt(token))
      return Promise.resolve(token.accessToken);
    return this.fetchShared();
  }

  /**
   * XAPI answered 401 to `rejected`. If it is still our current token it is dead (expired
   * early, or replaced by another user of the same client): fetch a new one. If another caller
   * already replaced it, use theirs rather than killing it with yet another fetch.
   */
  renewAfterRejection(rejected: string): Promise<string> {
    if (this.pending) return this.pending;
    if (this.current && this.current.accessToken !== rejected) return this.accessToken();
    this.current = null;
    return this.fetchShared();
  }

  /** Learned from `SystemStatus.Version`; re-decides the unit of the current token too. */
  setPbxVersion(version: string | null): void {
    this.version = version;
  }

  get pbxVersion(): string | null {
    return this.version;
  }

  /** When the current token expires (epoch ms), or null without one. */
  expiresAt(): number | null {
    return this.current ? this.expiryOf(this.current) : null;
  }

  /** Forget the token (credentials changed). */
  clear(): void {
    this.current = null;
  }

  private fetchShared(): Promise<string> {
    if (!this.pending) {
      this.pending = this.fetchToken().finally(() => {
        this.pending = null;
      });
    }
    return this.pending;
  }

  private async fetchToken(): Promise<string> {
    const { pbxUrl, transport, timeoutMs } = this.options;
    const requestedAt = this.options.now();
    const context = { pbxUrl, what: 'the token request' };
    let response;
    try {
      response = await transport.request({
        method: 'POST',
        url: `${pbxUrl}/connect/token`,
        headers: { accept: 'application/json' },
        form: {
          client_id: this.options.clientId,
          client_secret: this.options.clientSecret,
          grant_type: 'client_credentials',
        },
        timeoutMs,
      });
    } catch (error) {
      if (isTransportError(error)) throw networkError(error, context, timeoutMs);
      throw error;
    }
    if (response.status !== 200) throw tokenRequestError(response.status, response.body, pbxUrl);
    const body = response.body as { access_token?: unknown; expires_in?: unknown } | null;
    const accessToken = body && typeof body === 'object' ? body.access_token : undefined;
    if (typeof accessToken !== 'string' || accessToken === '') {
      throw notThreeCx(response.status, response.body, pbxUrl, context.what);
    }
    const rawExpiresIn = Number(body?.expires_in);
    const expiresIn = rawExpiresIn > 0 ? rawExpiresIn : DOCUMENTED_EXPIRES_IN;
    this.current = { accessToken, requestedAt, expiresIn };
    this.options.onTokenFetched?.(tokenLifetime(expiresIn, this.version));
    return accessToken;
  }

  private expiryOf(token: CachedToken): number {
    return token.requestedAt + tokenLifetime(token.expiresIn, this.version).seconds * 1000;
  }

  private renewAt(token: CachedToken): number {
    const lifetimeMs = tokenLifetime(token.expiresIn, this.version).seconds * 1000;
    return token.requestedAt + lifetimeMs - Math.min(this.options.refreshMarginMs, lifetimeMs / 4);
  }
}
