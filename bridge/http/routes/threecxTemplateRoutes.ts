import { z } from 'zod';
import { contactUrlSchema } from '../../../lib/contactUrl';
import { phoneNumberKey } from '../../../lib/phoneNumber';
import type { JournalIngest, JournalReceipt } from '../../journal/journalIngest';
import { fieldInTheFuture, journalEntrySchema, toJournalEntry } from '../../journal/journalEntry';
import { absentIfUnset, templateText } from '../../journal/templateText';
import type { KnownContact } from '../../store/contacts';
import type { Location } from '../../store/locations';
import type { ApiContext } from '../apiContext';
import { ApiError } from '../apiError';
import { locationOf } from '../authentication';
import { API_KEY, errorResponses, type Api } from '../routeKit';
import type { SameType } from '../../schemas/typeCheck';

/**
 * The endpoints 3cx-template.xml calls (docs/3cx-template.md), under the same
 * `Authorization: Bearer <api key>` as /v1: the key names the location.
 *
 * - `GET /3cx/lookup?number=` while the phone rings: who is calling (3CX shows the contact).
 * - `POST /3cx/contacts`: an agent creates a contact from the 3CX client.
 * - `POST /3cx/journal`: 3CX reports a finished call: the bridge's second event source.
 *
 * Lookup and create answer one shape, `{found, contact}`, so the template maps both with the
 * same Variables and Outputs. Missing values are `""`, not null: 3CX reads the answer as text.
 */
export function threecxTemplateRoutes(journal: JournalIngest) {
  return (app: Api, ctx: ApiContext): void => {
    app.get(
      '/3cx/lookup',
      {
        schema: {
          summary: 'The contact the bridge knows for a number (3CX asks while the phone rings)',
          security: API_KEY,
          querystring: lookupQuery,
          response: { 200: contactAnswerSchema, ...errorResponses(400, 401) },
        },
      },
      async (request) => {
        const location = locationOf(request);
        const { number } = request.query;
        const numberKey = outsideNumberKey(number, location);
        const contact = numberKey ? ctx.store.contacts.find(location.id, numberKey) : null;
        return contactAnswer(contact, number, ctx);
      },
    );

    /** Where a contact without a CRM link points 3CX's `ContactUrl` (it must not be empty). */
    app.get(
      '/3cx/contacts/:number',
      {
        schema: {
          summary: 'The same contact, as the page 3CX links agents to',
          security: API_KEY,
          params: contactParams,
          response: { 200: contactAnswerSchema, ...errorResponses(400, 401, 404) },
        },
      },
      async (request) => {
        const location = locationOf(request);
        const { number } = request.params;
        const numberKey = outsideNumberKey(number, location);
        const contact = numberKey ? ctx.store.contacts.find(location.id, numberKey) : null;
        if (!contact) throw ApiError.notFound('Contact');
        return contactAnswer(contact, number, ctx);
      },
    );

    app.post(
      '/3cx/contacts',
      {
        schema: {
          summary: 'Create or update a contact from the 3CX client',
          security: API_KEY,
          body: newContact,
          response: { 200: contactAnswerSchema, ...errorResponses(400, 401, 413, 415) },
        },
      },
      async (request) => {
        const location = locationOf(request);
        const body = request.body;
        const numberKey = outsideNumberKey(body.number, location);
        if (!numberKey) {
          throw new ApiError(400, 'invalid_request', 'number: must be an outside phone number', [
            { path: 'number', message: 'must be an outside phone number' },
          ]);
        }
        const name = [body.first_name, body.last_name].filter(Boolean).join(' ');
        const contact = ctx.store.transaction(() => {
          ctx.store.contacts.upsert(
            location.id,
            {
              numberKey,
              contactId: body.contact_id ?? null,
              name: name === '' ? null : name,
              company: body.company ?? null,
              email: body.email ?? null,
              url: body.url ?? null,
              source: 'template',
            },
            ctx.now(),
          );
          return ctx.store.contacts.find(location.id, numberKey);
        });
        return contactAnswer(contact, body.number, ctx);
      },
    );

    app.post(
      '/3cx/journal',
      {
        schema: {
          summary: "One finished external call, as 3CX's ReportCall sends it",
          security: API_KEY,
          body: journalEntrySchema,
          response: { 200: journalReceiptSchema, ...errorResponses(400, 401, 413, 415) },
        },
        // Before the schema replaces it with what it parsed.
        preValidation: async (request) => {
          sentBodies.set(request, request.body);
        },
      },
      async (request) => {
        const location = locationOf(request);
        const entry = toJournalEntry(request.body);
        const future = fieldInTheFuture(entry, ctx.now(), FUTURE_TOLERANCE_MS);
        if (future !== null) {
          const message = 'puts the call in the future: send the UTC times ([CallStartTimeUTC])';
          throw new ApiError(400, 'invalid_request', `${future}: ${message}`, [
            { path: future, message },
          ]);
        }
        // Kept for support as 3CX sent it, unless it is large (what the bridge read is bounded).
        const sent = sentBodies.get(request);
        const kept = JSON.stringify(sent).length <= 16_384 ? sent : request.body;
        return journal.accept(location, entry, kept);
      },
    );
  };
}

/** Each journal request's body as 3CX sent it, before parsing: kept with the entry for support. */
const sentBodies = new WeakMap<object, unknown>();

/** Clock skew between the PBX and the bridge that a journal entry may show. */
const FUTURE_TOLERANCE_MS = 15 * 60_000;

/** 3CX puts `[Number]` into the URL unencoded [3p]: the `+` of E.164 arrives as a space. */
const lookupQuery = z.object({
  number: z.preprocess(
    (v) => (typeof v === 'string' ? v.replace(/^ (?=\d)/, '+') : v),
    z.string().trim().min(1).max(64),
  ),
});
const contactParams = z.object({ number: z.string().min(1).max(64) });

const newContact = z.object({
  number: z.string().trim().min(1, 'is required').max(64),
  first_name: templateText(200),
  last_name: templateText(200),
  company: templateText(200),
  email: templateText(320),
  /** The contact's id in the team's CRM, when the client knows it. */
  contact_id: templateText(200),
  /** The contact's page in the CRM: http(s) only, as 3CX shows it to agents as a link. */
  url: z.preprocess(absentIfUnset, contactUrlSchema.optional()),
});

/**
 * The E.164 key of an outside number, however 3CX wrote it: `+61881234567`, `0881234567` and
 * `61881234567` are one number in AU (docs/3cx-facts.md §5). Extensions are nobody's CRM contact.
 */
function outsideNumberKey(number: string, location: Location): string | null {
  const key = phoneNumberKey(number, { country: location.country });
  return key !== null && key.startsWith('+') ? key : null;
}

/** `{found, contact}`, for lookup and create alike (see the top of this file). */
const contactAnswerSchema = z.strictObject({
  found: z.boolean(),
  contact: z
    .strictObject({
      id: z.string(),
      first_name: z.string(),
      last_name: z.string(),
      company: z.string(),
      email: z.string(),
      phone: z.string().describe('The number as the bridge knows it (E.164).'),
      searched_number: z
        .string()
        .describe(
          'The number exactly as 3CX asked for it, when written differently: 3CX drops a lookup answer unless one phone output contains the searched number.',
        ),
      url: z.string(),
    })
    .optional(),
});
type ContactAnswer = z.output<typeof contactAnswerSchema>;

const journalReceiptSchema = z.strictObject({
  status: z.enum(['released', 'held', 'superseded', 'duplicate']),
  call_id: z.string().describe('The call the entry is (or will be) stored as.'),
  release_at: z.string().meta({ format: 'date-time' }).nullable(),
});
const _receipt: SameType<z.output<typeof journalReceiptSchema>, JournalReceipt> = true;
void _receipt;

function contactAnswer(contact: KnownContact | null, searched: string, ctx: ApiContext) {
  if (!contact) return { found: false } satisfies ContactAnswer;
  const [first, last] = splitName(contact.name);
  const hasName = first !== '' || last !== '' || (contact.company ?? '') !== '';
  const asked = searched.trim();
  return {
    found: true,
    contact: {
      id: contact.contactId ?? contact.numberKey,
      first_name: first,
      // 3CX drops a contact with no first, last or company name [3p]: show the number then.
      last_name: hasName ? last : contact.numberKey,
      company: contact.company ?? '',
      email: contact.email ?? '',
      phone: contact.numberKey,
      searched_number: asked === contact.numberKey ? '' : asked,
      url:
        contact.url ?? `${ctx.publicUrl()}/3cx/contacts/${encodeURIComponent(contact.numberKey)}`,
    },
  } satisfies ContactAnswer;
}

/** "Jane Citizen" → Jane / Citizen; one word is a first name. */
function splitName(name: string | null): [string, string] {
  const words = (name ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return ['', ''];
  return [words[0], words.slice(1).join(' ')];
}
