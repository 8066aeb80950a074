import type { SimCall } from '../../sim';
import { storeTables } from '../support/storeTables';
import type { TestBridge } from '../support/testBridge';

/**
 * Everything stored, table by table, as plain data: compare it before and after a rejected
 * request. Every table counts (new ones too), except `api_keys`, whose last use is recorded on
 * purpose whatever the request.
 */
export function storeSnapshot(t: TestBridge): Record<string, unknown[]> {
  const db = t.bridge.store.db;
  const tables = storeTables(db).filter((name) => name !== 'api_keys');
  const snapshot: Record<string, unknown[]> = {};
  for (const name of tables)
    snapshot[name] = db.prepare(`SELECT * FROM "${name}" ORDER BY 1, 2`).all(); // any table has 2+ columns
  return snapshot;
}

/** A raw request: any body bytes, any content type (or none). */
export async function send(
  t: TestBridge,
  method: string,
  path: string,
  body: string | Buffer | undefined,
  contentType: string | null = 'application/json',
  key: string = t.apiKey,
): Promise<{ status: number; text: string; json: unknown; contentType: string | null }> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (contentType !== null) headers['content-type'] = contentType;
  const res = await fetch(`${t.url}${path}`, { method, headers, body });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: res.status, text, json, contentType: res.headers.get('content-type') };
}

/** A missed call, settled and stored (its record exists for PATCH and GET). */
export async function settledCall(t: TestBridge, caller = '+61412345678'): Promise<SimCall> {
  const call = t.sim.pbx.placeCall({
    kind: 'queue',
    result: 'voicemail',
    messageSeconds: 20,
    caller,
  });
  while (t.sim.clock.now() < call.endedAt + 20_000) await t.advance(5);
  return call;
}

export const SQL_LOOKING = "'; DROP TABLE calls; --";
export const SCRIPT_LOOKING = '<script>alert(1)</script>';
