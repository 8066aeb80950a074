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
 * The most characters one chunk of an answer holds (one row more at most). A light pass of a
 * poller's window is ~170 KB; built as one string (and one buffer to send it) each answer went
 * through V8's large-object space and a fresh mapping of its own, ~2 ms of the simulator's CPU
 * against ~0.2 ms in chunks below 128 KB (issue 16, BENCHMARKS.md "loc5": a fifth of the one
 * simulator process serving 200 PBXs). 32 K characters stay below it even at 3 bytes a character.
 */
export const CHUNK_CHARS = 32 * 1024;

/**
 * `JSON.stringify(omitNulls(answer))`, byte for byte, with each row's text reused: the wire
 * form of a collection answer (docs/xapi-schemas.md §2.11, nulls left out as §5 says).
 */
export function collectionJson(answer: CollectionAnswer): string {
  return collectionJsonChunks(answer).join('');
}

/** {@link collectionJson} in chunks of about {@link CHUNK_CHARS}, sent one after the other. */
export function collectionJsonChunks(answer: CollectionAnswer): string[] {
  const count =
    answer['@odata.count'] === undefined ? '' : `,"@odata.count":${answer['@odata.count']}`;
  const chunks: string[] = [];
  let parts: string[] = [
    `{"@odata.context":${JSON.stringify(answer['@odata.context'])}${count},"value":[`,
  ];
  let chars = parts[0].length;
  answer.value.forEach((row, i) => {
    let json = rowJson.get(row);
    if (json === undefined) {
      json = JSON.stringify(omitNulls(row));
      rowJson.set(row, json);
    }
    if (i > 0) parts.push(',');
    parts.push(json);
    chars += json.length + 1;
    if (chars >= CHUNK_CHARS) {
      chunks.push(parts.join(''));
      parts = [];
      chars = 0;
    }
  });
  parts.push(']}');
  chunks.push(parts.join(''));
  return chunks;
}

/** An answer already in its wire form (`collectionJsonChunks`): sent as it is. */
export class JsonText {
  constructor(readonly chunks: readonly string[]) {}
}
