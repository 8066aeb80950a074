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

/** Signs deliveries with one subscription's secret (decoded once, not once per delivery). */
export type WebhookSigner = (
  messageId: string,
  timestampMs: number,
  body: string,
) => Record<string, string>;

export function webhookSigner(secret: string): WebhookSigner {
  const webhook = new Webhook(secret);
  return (messageId, timestampMs, body) => ({
    'webhook-id': messageId,
    'webhook-timestamp': String(Math.floor(timestampMs / 1000)),
    'webhook-signature': webhook.sign(messageId, new Date(timestampMs), body),
  });
}
