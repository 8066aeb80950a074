import type { ZObject } from 'zapier-platform-core';

/**
 * Zapier keeps `z.cursor` between the pages of one dropdown, on its own servers (core's
 * `create-storekey-tool.js` reaches them over RPC, which a test has no access to): a map stands
 * in for that store, and everything else is the app's own code.
 */
export function withCursorStore(z: ZObject, store: Map<string, string>): ZObject {
  const cursor = {
    get: async () => store.get('cursor') ?? null,
    set: async (value: string) => {
      if (typeof value !== 'string') throw new TypeError('cursor value must be a string');
      store.set('cursor', value);
      return null;
    },
  };
  return { ...z, cursor } as ZObject;
}
