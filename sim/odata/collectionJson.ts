import type { CollectionAnswer } from './collectionQuery';
import { omitNulls } from './omitNulls';
import type { Row } from './rowValues';

/**
 * Each row's JSON as UTF-8 bytes, by row object: the call log serves the same row objects (a
 * leg's row is fixed once planned, sim/simCall.ts) to every page that covers them, and a poller
 * re-reads its window every few seconds, so serialising each row once is most of what answering
 * costs (issue 16). Rows built per request (selected fields, report rows) are simply serialised.
 * Bytes, not text: a page joined as one string was measured twice more on its way out (its
 * byte length for `content-length`, then its UTF-8 encoding onto the socket), an eighth of the
 * bench's simulator host's CPU while a start's catch-ups read their history (BENCHMARKS.md
 * "stall10"); a page's bytes are now copied together from its rows' bytes instead.
 */
const rowBytes = new WeakMap<object, Buffer>();

function bytesOf(row: Row): Buffer {
  let bytes = rowBytes.get(row);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(omitNulls(row)), 'utf8');
    rowBytes.set(row, bytes);
  }
  return bytes;
}

const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']}');

/**
 * `JSON.stringify(omitNulls(answer))` as UTF-8, byte for byte, with each row's bytes reused:
 * the wire form of a collection answer (docs/xapi-schemas.md §2.11, nulls left out as §5 says).
 */
export function collectionJson(answer: CollectionAnswer): Buffer {
  const count =
    answer['@odata.count'] === undefined ? '' : `,"@odata.count":${answer['@odata.count']}`;
  const parts: Buffer[] = [
    Buffer.from(`{"@odata.context":${JSON.stringify(answer['@odata.context'])}${count},"value":[`),
  ];
  answer.value.forEach((row, i) => {
    if (i > 0) parts.push(COMMA);
    parts.push(bytesOf(row));
  });
  parts.push(CLOSE);
  return Buffer.concat(parts);
}

/**
 * Serialise rows the simulator will serve whole, ahead of the requests (the bench's simulator
 * host does it for its back-filled call log before the measured window: bench/simHost.ts). The
 * bytes later served are the same; only when they are computed moves.
 */
export function warmRowJson(rows: Iterable<Row>): void {
  for (const row of rows) bytesOf(row);
}

/** An answer already in its wire form (`collectionJson`): sent as it is. */
export class JsonText {
  constructor(readonly bytes: Buffer) {}
}
