/**
 * Small HTTP helpers for the simulator tests: the same requests a 3CX client makes, over
 * loopback with Node's fetch. Not a client library: the bridge has its own.
 */
export interface CallLogParams {
  periodFrom: string;
  periodTo: string;
  sourceFilter?: string;
  destinationFilter?: string;
  /** What the 3CX console sends, `true`, unless given. */
  hidePcalls?: boolean;
}

/** An OData string literal: single quotes, `'` doubled (docs/3cx-facts.md §1.3). */
export function odataString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

export function callLogPath(p: CallLogParams, query = ''): string {
  const args = [
    `periodFrom=${p.periodFrom}`,
    `periodTo=${p.periodTo}`,
    'sourceType=0',
    `sourceFilter=${odataString(p.sourceFilter ?? '')}`,
    'destinationType=0',
    `destinationFilter=${odataString(p.destinationFilter ?? '')}`,
    'callsType=0',
    'callTimeFilterType=0',
    "callTimeFilterFrom='0:00:0'",
    "callTimeFilterTo='0:00:0'",
    `hidePcalls=${p.hidePcalls ?? true}`,
  ];
  return `/xapi/v1/ReportCallLogData/Pbx.GetCallLogData(${args.join(',')})${query ? `?${query}` : ''}`;
}

export function inboundCallsPath(periodFrom: string, periodTo: string, query = ''): string {
  return (
    `/xapi/v1/ReportInboundCalls/Pbx.GetInboundCalls(periodFrom=${periodFrom},periodTo=${periodTo},trunkDns='',callsType=0)` +
    (query ? `?${query}` : '')
  );
}

export async function fetchToken(
  baseUrl: string,
  clientId = 'bridge',
  clientSecret = 'bridge-secret',
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}/connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      client_id: clientId,
      client_secret: clientSecret,
      grant_type: 'client_credentials',
    }),
  });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // 5xx pages from a fault are not JSON.
  }
  return { status: res.status, body };
}

export async function accessToken(
  baseUrl: string,
  clientId?: string,
  clientSecret?: string,
): Promise<string> {
  const { status, body } = await fetchToken(baseUrl, clientId, clientSecret);
  if (status !== 200) throw new Error(`token: ${status} ${JSON.stringify(body)}`);
  return body.access_token as string;
}

/** Parsed JSON as the tests read it: deliberately loose, the assertions check the shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface XapiResponse {
  status: number;
  text: string;
  json: Json;
  headers: Headers;
}

export async function xapiGet(
  baseUrl: string,
  path: string,
  token?: string,
): Promise<XapiResponse> {
  const res = await fetch(`${baseUrl}${path}`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers };
}

export async function simPost(
  baseUrl: string,
  path: string,
  body: unknown,
): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}
