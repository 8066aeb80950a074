import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SimClock } from './simClock';

/**
 * OAuth client credentials as 3CX does them (docs/3cx-facts.md §1.2): an API client (Admin →
 * Integrations → API) gets a bearer token from `POST /connect/token`. Two rules matter:
 * - **one active token per client**: "only one access token can be active at a time"
 *   [off xt README], so issuing a token makes the client's previous one answer 401;
 * - the lifetime is one hour, reported as `expires_in: 60` (minutes) before 20.0.9 and
 *   `3600` (seconds) from 20.0.9 on; expiry runs on the sim clock.
 */
export type SimRole = 'system_owner' | 'system_admin' | 'user' | (string & {});

export interface SimClientConfig {
  /** A DN number on a real PBX (the client is a route point), any string here. */
  clientId: string;
  clientSecret: string;
  /** Default `system_owner`: the call log needs it, System Admin gets 403 (docs/3cx-facts.md §1.1). */
  role?: SimRole;
  /** "XAPI Access Enabled" ticked (default true). */
  xapiEnabled?: boolean;
  /**
   * "3CX Call Control API Access" ticked, with the extensions it monitors (docs/3cx-facts.md
   * §2): absent or null = no Call Control access; an empty list = access but no events.
   */
  callControl?: { monitor: string[] } | null;
}

export const DEFAULT_CLIENTS: readonly SimClientConfig[] = [
  { clientId: 'bridge', clientSecret: 'bridge-secret', role: 'system_owner' },
];

export interface IssuedToken {
  token_type: 'Bearer';
  expires_in: number;
  access_token: string;
  refresh_token: null;
}

export type TokenCheck =
  | { ok: true; client: Required<SimClientConfig> }
  | {
      ok: false;
      reason: 'missing' | 'unknown' | 'expired' | 'superseded' | 'revoked';
      expiredAt?: number;
    };

const TOKEN_LIFETIME_MS = 3600_000;

/** JWT role claims as a live client's token carried them (docs/3cx-facts.md §1.1 [obs bma]). */
const ROLE_CLAIMS: Record<string, string[]> = {
  system_owner: ['App', 'Reports', 'system_owners', 'CallFlowApp', 'MyPhone'],
  system_admin: ['App', 'system_admins', 'CallFlowApp', 'MyPhone'],
};

interface TokenRecord {
  clientId: string;
  expiresAt: number;
  state: 'current' | 'superseded' | 'revoked';
}

export class TokenIssuer {
  private readonly clients = new Map<string, Required<SimClientConfig>>();
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly currentByClient = new Map<string, string>();
  private readonly signingKey = randomBytes(32);

  constructor(
    clients: readonly SimClientConfig[],
    private readonly clock: SimClock,
    /** `expires_in` unit: seconds from 20.0.9 on, minutes before. */
    private readonly expiresInSeconds: boolean,
    private readonly issuer: string,
  ) {
    for (const c of clients) {
      if (!c.clientId || !c.clientSecret)
        throw new RangeError('an API client needs an id and a secret');
      this.clients.set(c.clientId, {
        clientId: c.clientId,
        clientSecret: c.clientSecret,
        role: c.role ?? 'system_owner',
        xapiEnabled: c.xapiEnabled ?? true,
        callControl: c.callControl ?? null,
      });
    }
  }

  clientIds(): string[] {
    return [...this.clients.keys()];
  }

  clientRoles(): {
    clientId: string;
    role: string;
    xapiEnabled: boolean;
    callControl: { monitor: string[] } | null;
  }[] {
    return [...this.clients.values()].map(({ clientId, role, xapiEnabled, callControl }) => ({
      clientId,
      role,
      xapiEnabled,
      callControl,
    }));
  }

  /** The client's Call Control monitored list (null: no access), read live (tests change it). */
  client(clientId: string): Required<SimClientConfig> | null {
    return this.clients.get(clientId) ?? null;
  }

  /** A new token for valid credentials (superseding the client's previous one), else null. */
  issue(clientId: string, clientSecret: string): IssuedToken | null {
    const client = this.clients.get(clientId);
    if (!client || !safeEqual(client.clientSecret, clientSecret)) return null;
    const now = this.clock.now();
    const previous = this.currentByClient.get(clientId);
    if (previous) this.tokens.get(previous)!.state = 'superseded';
    const expiresAt = now + TOKEN_LIFETIME_MS;
    const token = this.jwt(client, now, expiresAt);
    this.tokens.set(token, { clientId, expiresAt, state: 'current' });
    this.currentByClient.set(clientId, token);
    return {
      token_type: 'Bearer',
      expires_in: this.expiresInSeconds ? TOKEN_LIFETIME_MS / 1000 : TOKEN_LIFETIME_MS / 60000,
      access_token: token,
      refresh_token: null,
    };
  }

  /** Checks an `Authorization` header value. */
  check(authorization: string | undefined): TokenCheck {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match) return { ok: false, reason: 'missing' };
    const record = this.tokens.get(match[1]);
    if (!record) return { ok: false, reason: 'unknown' };
    if (record.state !== 'current') return { ok: false, reason: record.state };
    if (this.clock.now() >= record.expiresAt)
      return { ok: false, reason: 'expired', expiredAt: record.expiresAt };
    return { ok: true, client: this.clients.get(record.clientId)! };
  }

  /** Every token stops working (an `unauthorizedStorm`); clients must fetch new ones. */
  revokeAll(): void {
    for (const record of this.tokens.values())
      if (record.state === 'current') record.state = 'revoked';
    this.currentByClient.clear();
  }

  /**
   * JWT-shaped like the real thing (`sub`, `scope: xapi`, `aud: /api`, `iss`, `role` claims,
   * docs/3cx-facts.md §1.1 [obs bma]), HS256-signed with a per-run key. Clients must treat it as opaque.
   */
  private jwt(client: Required<SimClientConfig>, now: number, expiresAt: number): string {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const header = encode({ alg: 'HS256', typ: 'JWT' });
    const payload = encode({
      sub: client.clientId,
      scope: 'xapi',
      aud: '/api',
      iss: this.issuer,
      role: ROLE_CLAIMS[client.role] ?? [client.role],
      nbf: Math.floor(now / 1000),
      iat: Math.floor(now / 1000),
      exp: Math.floor(expiresAt / 1000),
      jti: randomBytes(8).toString('hex'),
    });
    const signature = createHmac('sha256', this.signingKey)
      .update(`${header}.${payload}`)
      .digest('base64url');
    return `${header}.${payload}.${signature}`;
  }
}

/** Constant-time comparison of secrets of any length. */
function safeEqual(a: string, b: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(a), digest(b));
}
