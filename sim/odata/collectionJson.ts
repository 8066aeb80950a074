import type { CollectionAnswer } from './collectionQuery';
import { omitNulls } from './omitNulls';

/**
 * Each row's JSON, by row object: the call log serves the same row objects (a leg's row is
 * fixed once planned, sim/simCall.ts) to every page that covers them, and a poller re-reads its
 * window every few seconds, so serialising each row once is most of what answering costs
 * (issue 16). Rows built per request (selected fields, report rows) are simply serialised.
 */
const rowJson = new WeakMap<object, string>();

/**
 * `JSON.stringify(omitNulls(answer))`, byte for byte, with each row's text reused: the wire
 * form of a collection answer (docs/xapi-schemas.md §2.11, nulls left out as §5 says).
 */
export function collectionJson(answer: CollectionAnswer): string {
  const parts: string[] = [];
  for (const row of answer.value) {
    let json = rowJson.get(row);
    if (json === undefined) {
      json = JSON.stringify(omitNulls(row));
      rowJson.set(row, json);
    }
    parts.push(json);
  }
  const count =
    answer['@odata.count'] === undefined ? '' : `,"@odata.count":${answer['@odata.count']}`;
  return `{"@odata.context":${JSON.stringify(answer['@odata.context'])}${count},"value":[${parts.join(',')}]}`;
}

/** An answer already in its wire form (`collectionJson`): sent as it is. */
export class JsonText {
  constructor(readonly text: string) {}
}
