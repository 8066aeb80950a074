import { z } from 'zod';
import { phoneNumberKey } from '../phoneNumber';

/**
 * CRM source lists: which number a caller dialled (the DID) decides which CRM list the lead
 * belongs to, so a call to the sales line fires the sales workflow and not the general one.
 *
 * Numbers are compared by `phoneNumberKey` with the location's country on both sides, so a
 * DID written `08 8123 4501`, `+61881234501` or `61881234501` in the mapping matches however
 * 3CX reports it. A short DID (some trunks pass only the last digits, `4501`) is kept as it
 * is and matches the same short form. A call whose DID is unknown or missing goes to the
 * default list, or to none.
 */

const SLUG = /^[a-z0-9]+(?:[-_][a-z0-9]+)*$/;

export const sourceListIdSchema = z
  .string({ error: 'must be a list id as text, like "sales"' })
  .trim()
  .min(1, 'is required: a short id like "sales"')
  .max(64, 'must be at most 64 characters')
  .regex(
    SLUG,
    'must be a lowercase slug: letters a–z, digits, and single - or _ between them, like "sales" or "after-hours"',
  );

export const sourceListSchema = z
  .object({
    id: sourceListIdSchema,
    name: z
      .string({ error: 'is required: the list name people see, like "Sales line"' })
      .trim()
      .min(1, 'is required: the list name people see, like "Sales line"')
      .max(100),
    dialed_numbers: z
      .array(z.string({ error: 'must be a phone number as text' }).trim().min(1).max(40))
      .default(() => []),
  })
  .strict();
export type SourceList = z.infer<typeof sourceListSchema>;

/**
 * The mapping without its numbers checked: ids unique, the default one of the lists. Whether
 * each number can be read, and whether one is in two lists, depends on the location's country
 * (`sourceListConfigIssues`, `sourceListConfigSchemaFor`).
 */
export const sourceListConfigShapeSchema = z
  .object({
    lists: z.array(sourceListSchema).default(() => []),
    /** The list for calls to a DID no list names (or with no DID); null: no list. */
    defaultList: sourceListIdSchema.nullable().default(null),
  })
  .strict()
  .superRefine((config, ctx) => {
    const seen = new Set<string>();
    config.lists.forEach((list, i) => {
      if (seen.has(list.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['lists', i, 'id'],
          message: `"${list.id}" is already the id of another list: list ids must be unique`,
        });
      }
      seen.add(list.id);
    });
    if (config.defaultList !== null && !seen.has(config.defaultList)) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaultList'],
        message: `"${config.defaultList}" is not the id of any list (${[...seen].join(', ') || 'there are none'})`,
      });
    }
  });
export type SourceListConfig = z.infer<typeof sourceListConfigShapeSchema>;

export interface SourceListIssue {
  path: (string | number)[];
  message: string;
}

/** Numbers that cannot be read in this country, and numbers mapped to two lists. */
export function sourceListConfigIssues(
  config: SourceListConfig,
  country: string | undefined,
): SourceListIssue[] {
  const issues: SourceListIssue[] = [];
  const owner = new Map<string, { listId: string; written: string }>();
  config.lists.forEach((list, i) => {
    list.dialed_numbers.forEach((written, j) => {
      const path = ['lists', i, 'dialed_numbers', j];
      const key = phoneNumberKey(written, { country });
      if (key === null) {
        issues.push({
          path,
          message: `"${written}" is not a phone number${country ? ` in ${country}` : ''}: write it like +61881234501`,
        });
        return;
      }
      const first = owner.get(key);
      if (first && first.listId !== list.id) {
        issues.push({
          path,
          message: `"${written}" is the same number as "${first.written}" in list "${first.listId}": a number can map to one list only`,
        });
      } else if (!first) owner.set(key, { listId: list.id, written });
    });
  });
  return issues;
}

/**
 * The same mapping with each number in its normalised form (E.164, or the short DID as is),
 * the form the bridge shows in its source-list dropdown. Idempotent.
 */
export function normaliseSourceListConfig(
  config: SourceListConfig,
  country: string | undefined,
): SourceListConfig {
  return {
    lists: config.lists.map((list) => ({
      ...list,
      dialed_numbers: [
        ...new Set(list.dialed_numbers.map((n) => phoneNumberKey(n, { country }) ?? n)),
      ],
    })),
    defaultList: config.defaultList,
  };
}

/** The full check for one location: shape, numbers readable in `country`, none in two lists. */
export function sourceListConfigSchemaFor(country: string | undefined) {
  return sourceListConfigShapeSchema
    .superRefine((config, ctx) => {
      for (const issue of sourceListConfigIssues(config, country)) {
        ctx.addIssue({ code: 'custom', ...issue });
      }
    })
    .transform((config) => normaliseSourceListConfig(config, country));
}

/** Number key → list id, built once per config object and country (configs are not mutated). */
const indexCache = new WeakMap<SourceListConfig, Map<string, Map<string, string>>>();

function numberIndex(config: SourceListConfig, country: string | undefined): Map<string, string> {
  let byCountry = indexCache.get(config);
  if (!byCountry) {
    byCountry = new Map();
    indexCache.set(config, byCountry);
  }
  const countryKey = country?.toUpperCase() ?? '';
  let index = byCountry.get(countryKey);
  if (!index) {
    index = new Map();
    for (const list of config.lists) {
      for (const written of list.dialed_numbers) {
        const key = phoneNumberKey(written, { country });
        // First list wins, as validation reports any later one as a conflict.
        if (key !== null && !index.has(key)) index.set(key, list.id);
      }
    }
    byCountry.set(countryKey, index);
  }
  return index;
}

/** The source list id for a call to `dialedNumber`: its list, else the default, else null. */
export function sourceListFor(
  dialedNumber: string | null | undefined,
  config: SourceListConfig,
  country: string | undefined,
): string | null {
  const key = phoneNumberKey(dialedNumber, { country });
  const listId = key === null ? undefined : numberIndex(config, country).get(key);
  return listId ?? config.defaultList ?? null;
}
