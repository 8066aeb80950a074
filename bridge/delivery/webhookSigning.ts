import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): `webhook-id` (the event id,
 * stable across redeliveries, so receivers can de-duplicate), `webhook-timestamp` (seconds),
 * `webhook-signature` (`v1,<base64 HMAC-SHA256 of "id.timestamp.body">`). Receivers verify with
 * any Standard Webhooks library and the `whsec_…` secret shown when the webhook was added.
 */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export function signatureHeaders(
  secret: string,
  messageId: string,
  timestampMs: number,
  body: string,
): Record<string, string> {
  const timestamp = new Date(timestampMs);
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(timestampMs / 1000)),
    'webhook-signature': new Webhook(secret).sign(messageId, timestamp, body),
  };
}
