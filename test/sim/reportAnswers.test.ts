import { startSimulator, type Simulator } from '../../sim';
import { collectionJson } from '../../sim/odata/collectionJson';
import { answerCollection } from '../../sim/odata/collectionQuery';
import { omitNulls } from '../../sim/odata/omitNulls';
import type { Row } from '../../sim/odata/rowValues';
import { CALL_LOG_PROPERTIES, INBOUND_CALL_PROPERTIES } from '../../sim/http/xapiProperties';

/**
 * The simulator's shortcuts for answering report pages cheaply (issue 16): the call log and
 * the inbound report are served in start order without sorting them again, and each row's JSON
 * is reused. Both must give exactly the answer the plain path gives.
 */
/** The plain path's wire form of an answer: what the simulator served before any shortcut. */
function wire(answer: unknown): Buffer {
  return Buffer.from(JSON.stringify(omitNulls(answer)), 'utf8');
}

describe('report answers: the shortcuts change nothing', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startSimulator({ callLogDelaySeconds: 120 });
    sim.pbx.startTraffic({ callsPerMinute: 40, seed: 5 });
    sim.clock.advance(45 * 60);
  });
  afterAll(() => sim.close());

  const from = () => sim.clock.now() - 40 * 60_000;
  const to = () => sim.clock.now();
  const queries = [
    '$orderby=StartTime asc&$top=100&$skip=37&$count=true',
    '$orderby=StartTime&$top=5000',
    '$orderby=StartTime asc&$select=CdrId,CallHistoryId,CallId,StartTime&$top=5000',
    '$orderby=StartTime desc&$top=50',
  ];

  it.each(queries)('call log, %s: the natural order is the sorted order', (query) => {
    const rows = sim.pbx.callLog(from(), to()) as unknown as Row[];
    expect(rows.length).toBeGreaterThan(500);
    // Legs logged late: the log's rows are not in the order they were logged.
    const q = new URLSearchParams(query);
    const plain = answerCollection(rows, q, 'ctx', CALL_LOG_PROPERTIES);
    const natural = answerCollection(rows, q, 'ctx', CALL_LOG_PROPERTIES, {}, 'StartTime');
    expect(natural).toEqual(plain);
    expect(collectionJson(natural)).toEqual(wire(plain));
  });

  it('a light pass selects each fixed row once: the next one reuses it and its text, same answer', () => {
    const rows = sim.pbx.callLog(from(), to()) as unknown as Row[];
    const q = new URLSearchParams(queries[2]);
    const answer = () =>
      answerCollection(rows, q, 'ctx', CALL_LOG_PROPERTIES, {}, 'StartTime', true);
    const first = answer();
    const second = answer();
    expect(second.value.every((row, i) => row === first.value[i])).toBe(true);
    const plain = answerCollection(rows, q, 'ctx', CALL_LOG_PROPERTIES);
    expect(plain.value.some((row, i) => row === first.value[i])).toBe(false);
    expect(collectionJson(second)).toEqual(wire(plain));
  });

  it.each(queries.slice(0, 2))(
    'inbound report, %s: the natural order is the sorted order',
    (query) => {
      const rows = sim.pbx.inboundCalls(from(), to(), []) as unknown as Row[];
      expect(rows.length).toBeGreaterThan(200);
      const q = new URLSearchParams(query);
      const plain = answerCollection(rows, q, 'ctx', INBOUND_CALL_PROPERTIES);
      const natural = answerCollection(rows, q, 'ctx', INBOUND_CALL_PROPERTIES, {}, 'StartTime');
      expect(natural).toEqual(plain);
      // Twice: the second answer comes from the rows' cached JSON.
      expect(collectionJson(natural)).toEqual(wire(plain));
      expect(collectionJson(natural)).toEqual(wire(plain));
    },
  );

  it('inbound rows served from the cache are the rows a fresh simulator builds', async () => {
    // This simulator has answered before (rows cached as they became final); a twin with the
    // same traffic, never asked, builds every row now. A row cached too early would differ.
    const now = sim.clock.now();
    const before = sim.pbx.inboundCalls(now - 40 * 60_000, now, []);
    sim.clock.advance(10 * 60);
    const later = sim.clock.now();
    const cached = sim.pbx.inboundCalls(now - 40 * 60_000, later, []);
    const twin = await startSimulator({ callLogDelaySeconds: 120 });
    try {
      twin.clock.set(sim.clock.now() - 55 * 60_000);
      twin.pbx.startTraffic({ callsPerMinute: 40, seed: 5 });
      twin.clock.set(later);
      expect(cached).toEqual(twin.pbx.inboundCalls(now - 40 * 60_000, later, []));
    } finally {
      await twin.close();
    }
    // Calls in progress ten minutes ago have more legs logged now: their rows moved on.
    const moved = before.filter(
      (b) => JSON.stringify(b) !== JSON.stringify(cached.find((c) => c.CdrId === b.CdrId)),
    );
    expect(moved.length).toBeGreaterThan(0);
  });
});
