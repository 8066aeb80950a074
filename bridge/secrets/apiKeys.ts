import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * API keys: 256 random bits, shown once, stored only as a SHA-256 hash. A slow password hash
 * buys nothing for a random 256-bit secret (nobody can guess it), and SHA-256 lets the bridge
 * find the key by its hash in an index. The final comparison is constant-time anyway.
 */
const PREFIX = 'cxb_';
const KEY_SHAPE = /^cxb_[A-Za-z0-9_-]{43}$/;

export function generateApiKey(): string {
  return `${PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** The part of a key that may be shown to identify it (`cxb_AbC1…`). */
export function displayPrefix(key: string): string {
  return `${key.slice(0, PREFIX.length + 4)}…`;
}

export function looksLikeApiKey(text: string): boolean {
  return KEY_SHAPE.test(text);
}

export function sameHash(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
