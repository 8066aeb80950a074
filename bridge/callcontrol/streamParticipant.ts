import { z } from 'zod';

/**
 * A Call Control participant as the bridge reads it (docs/3cx-facts.md §2.1; note the
 * `originated_by_type` spelling). Only what the bridge uses is required; anything else 3CX
 * adds is kept out. A participant that does not parse is logged and skipped, never fatal.
 */
const text = z
  .string()
  .nullish()
  .transform((v) => v ?? '');

export const participantSchema = z.object({
  id: z.number().int(),
  status: z.string(),
  dn: z.string(),
  callid: z.number().int(),
  legid: z.number().int().nullish(),
  party_caller_name: text,
  party_dn: text,
  party_caller_id: text,
  party_did: text,
  party_dn_type: text,
  device_id: text,
  originated_by_dn: text,
  originated_by_type: text,
  referred_by_dn: text,
  referred_by_type: text,
  on_behalf_of_dn: text,
  on_behalf_of_type: text,
});

export type StreamParticipant = z.infer<typeof participantSchema>;

/** `DnInfo` of `GET /callcontrol` (§2.1 "Snapshot"). */
export const dnInfoSchema = z.object({
  dn: z.string(),
  type: text,
  participants: z
    .array(z.unknown())
    .nullish()
    .transform((v) => v ?? []),
});

/** A WebSocket frame (§2.2): `{sequence, event: {event_type, entity, attached_data}}`. */
export const frameSchema = z.object({
  sequence: z.number().nullish(),
  event: z.object({
    event_type: z.number().int(),
    entity: z.string(),
  }),
});

/** `event_type` values the bridge acts on (§2.2); the rest (DTMF, prompts, responses) are logged. */
export const EVENT_UPSERT = 0;
export const EVENT_REMOVE = 1;

/** `/callcontrol/{dn}/participants/{id}`, with or without the leading slash (§2.2). */
export function participantEntity(entity: string): { dn: string; id: number } | null {
  const match = /^\/?callcontrol\/([^/]+)\/participants\/(\d+)$/.exec(entity);
  if (!match) return null;
  return { dn: decodeURIComponent(match[1]), id: Number(match[2]) };
}

/** DN and party types (§2.1 "Types"). */
export const DN_TYPE = {
  extension: 'Wextension',
  external: 'Wexternalline',
  queue: 'Wqueue',
  voicemail: 'Wspecialmenu',
} as const;
