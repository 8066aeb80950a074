import type { Authentication, Bundle, ZObject } from 'zapier-platform-core';
import { callBridge } from './bridgeRequest';
import { normalizeBridgeUrl } from './bridgeUrl';
import { ZAPIER_SETUP_DOCS_URL } from './projectLinks';

/**
 * Connecting a Zap to one location of a bridge: the bridge's address and that location's API
 * key (docs/api.md: a key belongs to exactly one location). `custom` auth, because the key
 * neither expires nor refreshes; a revoked key surfaces as `ExpiredAuthError`
 * (bridgeMiddleware.ts) so the user is asked to reconnect.
 */

/** `GET /v1/me` (docs/api.md). */
export interface BridgeLocation {
  id: string;
  name: string;
  timezone?: string;
  country?: string;
  bridge_version?: string;
}

function isBridgeLocation(value: unknown): value is BridgeLocation {
  const v = value as BridgeLocation | null;
  return !!v && typeof v === 'object' && typeof v.id === 'string' && typeof v.name === 'string';
}

export async function testBridgeConnection(z: ZObject, bundle: Bundle): Promise<BridgeLocation> {
  const { data } = await callBridge<unknown>(z, bundle, { path: '/v1/me' });
  if (!isBridgeLocation(data)) {
    throw new z.errors.Error(
      'The Bridge URL answered /v1/me, but not with a location: it does not look like a 3CX bridge. Check the Bridge URL.',
      'not_a_bridge',
    );
  }
  return data;
}

/**
 * "Adelaide Office (bridge.example.com)": the location's name tells sub-accounts apart, the
 * host tells bridges apart (D003: a label that identifies the connection, never a secret).
 * Zapier calls this with the test's result as `bundle.inputData`.
 */
export async function bridgeConnectionLabel(_z: ZObject, bundle: Bundle): Promise<string> {
  const location = bundle.inputData as Partial<BridgeLocation>;
  const name =
    typeof location.name === 'string' && location.name.trim() !== ''
      ? location.name.trim()
      : 'Location';
  try {
    return `${name} (${new URL(normalizeBridgeUrl(bundle.authData?.bridge_url)).host})`;
  } catch {
    return name;
  }
}

export const authentication = {
  type: 'custom',
  fields: [
    {
      key: 'bridge_url',
      label: 'Bridge URL',
      type: 'string',
      required: true,
      helpText: `The address where your 3CX bridge is reachable from the internet, such as \`https://bridge.example.com\`. It must use HTTPS. Your bridge administrator knows it; see [Connecting Zapier](${ZAPIER_SETUP_DOCS_URL}).`,
    },
    {
      key: 'api_key',
      label: 'API Key',
      type: 'password',
      required: true,
      helpText: `The API key of your 3CX system's location in the bridge (it starts with \`cxb_\`). The bridge prints it once when the administrator runs \`3cx-bridge location add\` or \`3cx-bridge key create\`; if it was lost, create a new one. See [Connecting Zapier](${ZAPIER_SETUP_DOCS_URL}).`,
    },
  ],
  test: testBridgeConnection,
  connectionLabel: bridgeConnectionLabel,
} satisfies Authentication;
