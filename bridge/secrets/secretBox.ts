import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Encryption at rest for 3CX client secrets and webhook signing secrets: AES-256-GCM with a
 * random 96-bit nonce per value. Stored as `v1:<nonce>:<tag>:<ciphertext>` (base64url), so a
 * later key rotation can add `v2` without guessing what a value is.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static fromKey(key: Buffer): SecretBox {
    if (key.length !== 32)
      throw new Error('The bridge secret key must be 32 bytes (base64 or hex encoded).');
    return new SecretBox(key);
  }

  /**
   * A random key that only this process holds: for a database that lives no longer than the
   * process (`:memory:`), whose sealed values nobody else could read anyway.
   */
  static ephemeral(): SecretBox {
    return new SecretBox(randomBytes(32));
  }

  /**
   * The key from `BRIDGE_SECRET_KEY` (base64 or hex of 32 bytes) when set; otherwise from a
   * key file, generated on first use with owner-only permissions.
   */
  static load(options: { envKey?: string; keyFile: string }): SecretBox {
    if (options.envKey) return SecretBox.fromKey(decodeKey(options.envKey, 'BRIDGE_SECRET_KEY'));
    if (existsSync(options.keyFile))
      return SecretBox.fromKey(
        decodeKey(readFileSync(options.keyFile, 'utf8').trim(), `The key file ${options.keyFile}`),
      );
    mkdirSync(dirname(options.keyFile), { recursive: true, mode: 0o700 });
    const key = randomBytes(32);
    writeFileSync(options.keyFile, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(options.keyFile, 0o600);
    return new SecretBox(key);
  }

  seal(plaintext: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', nonce, cipher.getAuthTag(), body]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join(':');
  }

  open(sealed: string): string {
    const [version, nonce, tag, body] = sealed.split(':');
    if (version !== 'v1' || !nonce || !tag || body === undefined)
      throw new Error('Not a sealed secret.');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(nonce, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    try {
      return Buffer.concat([
        decipher.update(Buffer.from(body, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new Error(
        'A stored secret cannot be decrypted: the bridge secret key changed (BRIDGE_SECRET_KEY or the key file).',
      );
    }
  }
}

/** A key as written in `source` (the variable or the file, named when it is wrong). */
function decodeKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  if (key.length !== 32)
    throw new Error(
      `${source} must hold the bridge secret key: 32 bytes, base64 or hex encoded (it holds ${key.length} bytes). ` +
        'A new bridge can make one with `openssl rand -base64 32`; an existing database needs the key it was created with (its `.key` file beside it).',
    );
  return key;
}
