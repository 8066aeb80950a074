import { randomBytes } from 'node:crypto';
import { hashApiKey, sameHash } from './apiKeys';

/**
 * The bridge admin's token: it reads the reports and the dashboard of every location (an
 * agency rolling recovery rates up across its sub-accounts), and nothing else: no location's
 * calls, hooks or settings. It lives in the environment of `serve` (`BRIDGE_ADMIN_TOKEN`), never
 * in the database; `3cx-bridge admin-token` makes one. Without it the admin routes answer only
 * to location keys. Like an API key it is 256 random bits, compared by hash in constant time.
 */
const PREFIX = 'cxa_';
const TOKEN_SHAPE = /^cxa_[A-Za-z0-9_-]{43}$/;

export function generateAdminToken(): string {
  return `${PREFIX}${randomBytes(32).toString('base64url')}`;
}

export class AdminToken {
  private readonly hash: Buffer;

  private constructor(token: string) {
    this.hash = hashApiKey(token);
  }

  /** The token from the environment; null when none is set. Throws on a guessable one. */
  static fromEnv(value: string | undefined): AdminToken | null {
    const token = value?.trim();
    if (!token) return null;
    if (!TOKEN_SHAPE.test(token))
      throw new Error(
        'BRIDGE_ADMIN_TOKEN must be a token made by `3cx-bridge admin-token` (cxa_ + 43 characters).',
      );
    return new AdminToken(token);
  }

  matches(presented: string): boolean {
    return presented.startsWith(PREFIX) && sameHash(hashApiKey(presented), this.hash);
  }
}
