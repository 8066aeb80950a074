import { randomBytes } from 'node:crypto';

/** Opaque, unguessable ids with a readable type prefix (`loc_…`, `hook_…`, `key_…`). */
export function newId(prefix: 'loc' | 'hook' | 'key'): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

/** Feed cursors are opaque to clients: base64url of the last row's sequence number. */
export function encodeCursor(seq: number): string {
  return Buffer.from(`s${seq}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): number | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^s(\d{1,15})$/.exec(text);
  return match ? Number(match[1]) : null;
}

/** The `seq` a page starts below: the cursor's, or above every row. */
export function beforeCursor(cursor: string | null | undefined): number {
  return cursor ? (decodeCursor(cursor) ?? 0) : Number.MAX_SAFE_INTEGER;
}
