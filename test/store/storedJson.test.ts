import { z } from 'zod';
import { fillBigStore } from '../../bench/bigStore';
import { callEnrichmentSchema, settledCallSchema } from '../../bridge/schemas/callEvent';
import { locationSettingsSchema } from '../../bridge/locationSettings';
import { SecretBox } from '../../bridge/secrets/secretBox';
import { BridgeStore } from '../../bridge/store/bridgeStore';
import {
  compileStoredJsonSchemas,
  CorruptRowError,
  parseStoredJson,
} from '../../bridge/store/storedJson';

const at = { table: 'calls', row: 'call_id=c1', column: 'facts' };

/** What reading a stored text gives: the value, or the error's message. */
function read(schema: z.ZodType, text: string): unknown {
  try {
    return { value: parseStoredJson(schema, text, at) };
  } catch (error) {
    expect(error).toBeInstanceOf(CorruptRowError);
    return { error: (error as Error).message };
  }
}

/**
 * The repositories compile the schemas of their JSON columns when they load
 * (bridge/store/storedJson.ts `compileStoredJsonSchemas`): a stored row must read exactly as
 * zod's interpreter reads it, the same value or the same `CorruptRowError`.
 */
describe('stored JSON checked with compiled schemas', () => {
  it('reads real rows and damaged ones as the interpreter does', () => {
    const store = BridgeStore.open(':memory:', SecretBox.ephemeral());
    try {
      const location = store.locations.create(
        { name: 'x', country: 'AU', timezone: 'Australia/Adelaide' },
        new Date(),
      );
      fillBigStore(store, location.id, {}, 40, Date.now());
      const { calls } = store.calls.list(location.id, { limit: 40 });
      const texts: Array<[z.ZodType, string]> = [];
      for (const call of calls) {
        const facts = call.facts as unknown as Record<string, unknown>;
        texts.push(
          [settledCallSchema, JSON.stringify(facts)],
          [settledCallSchema, JSON.stringify({ ...facts, direction: 'sideways' })],
          [settledCallSchema, JSON.stringify({ ...facts, colour: 'red' })],
          [settledCallSchema, JSON.stringify({ ...facts, call_id: undefined, legs: 3 })],
          [settledCallSchema, '{"truncated'],
        );
        if (call.enrichment) texts.push([callEnrichmentSchema, JSON.stringify(call.enrichment)]);
      }
      texts.push(
        [locationSettingsSchema, JSON.stringify(store.locations.get(location.id)!.settings)],
        [locationSettingsSchema, '{}'],
        [locationSettingsSchema, '{"sourceLists":7}'],
      );
      // The repositories compiled these when they loaded; a clone is a schema never compiled.
      compileStoredJsonSchemas(settledCallSchema, callEnrichmentSchema, locationSettingsSchema);
      for (const [schema, text] of texts)
        expect([text, read(schema, text)]).toEqual([text, read(schema.clone(), text)]);
      // Three damaged facts and one text that is not JSON per call: refused, named.
      const refused = texts.filter(([schema, text]) => 'error' in (read(schema, text) as object));
      expect(refused).toHaveLength(4 * calls.length + 1);
    } finally {
      store.close();
    }
  });

  it('fills in defaults and refuses what the schema refuses, compiled or not', () => {
    const schema = z.strictObject({ a: z.string(), test: z.boolean().default(false) });
    const interpreted = schema.clone();
    compileStoredJsonSchemas(schema);
    expect(read(schema, '{"a":"x"}')).toEqual({ value: { a: 'x', test: false } });
    for (const text of ['{"a":"x"}', '{"a":1,"b":2}', '{"a":"x","test":"yes"}', '[]', 'null'])
      expect([text, read(schema, text)]).toEqual([text, read(interpreted, text)]);
  });
});
