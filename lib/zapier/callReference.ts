/**
 * The call a Zap step points at. The bridge's call id is the event's `call_id`; a user mapping
 * fields by eye may pick the event's `id` (`{call_id}:call.missed`) or its `record_url`
 * (`…/v1/calls/{call_id}`) instead, and both name the same call, so both are accepted.
 */
const EVENT_ID_SUFFIX = /:call\.(missed|started|ended)$/;
const RECORD_URL_PATH = /\/v1\/calls\/([^/?#]+)\/?(?:[?#].*)?$/;

export function callIdFromReference(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  let text = String(value).trim();
  if (text === '') return undefined;
  const fromUrl = /^https?:\/\//i.test(text) ? RECORD_URL_PATH.exec(text) : null;
  if (fromUrl) text = decodeURIComponent(fromUrl[1]);
  return text.replace(EVENT_ID_SUFFIX, '');
}
