import fc from 'fast-check';
import { startTestBridge, type TestBridge } from '../support/testBridge';
import { SCRIPT_LOOKING, SQL_LOOKING, send, storeSnapshot } from './support';

/**
 * `POST /3cx/journal` takes what a 3CX CRM template sends when a call ends: text 3CX filled in,
 * in whatever shape the admin's template gave it. Fuzzed: never a 5xx, a refused entry stores
 * nothing, an accepted one says what became of it.
 */
let t: TestBridge;
let journalOnlyKey: string;

beforeAll(async () => {
  t = await startTestBridge();
  const now = new Date(t.sim.clock.now());
  const location = t.bridge.store.locations.create(
    { name: 'Journal-only office', country: 'AU', timezone: 'Australia/Adelaide' },
    now,
  );
  journalOnlyKey = t.bridge.store.apiKeys.create(location.id, 'template', now).key;
});
afterAll(() => t.close());

const text = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.constantFrom(SQL_LOOKING, SCRIPT_LOOKING, '', ' ', '[Number]', '\ud800', 'x'.repeat(5000)),
);
const anyJson = fc.jsonValue({ maxDepth: 2 });
const time = fc.oneof(
  fc
    .integer({ min: Date.UTC(2026, 2, 1), max: Date.UTC(2026, 2, 3) })
    .map((ms) => new Date(ms).toISOString()),
  fc.constantFrom(
    '2026-03-02 08:59:00',
    '0001-01-01T00:00:00',
    '3/11/2025 6:36:50 AM',
    '2026-02-30T10:00:00Z',
    '2026-03-02T09:00:00+10:30',
    '9999-12-31T23:59:59Z',
  ),
  text,
  anyJson,
);
const entry = fc.record(
  {
    call_type: fc.oneof(
      fc.constantFrom('Inbound', 'Missed', 'Outbound', 'Notanswered', 'missed ', 'MISSED'),
      text,
      anyJson,
    ),
    direction: fc.oneof(fc.constantFrom('Inbound', 'Outbound', ''), text),
    number: fc.oneof(
      fc.constantFrom('+61412345678', '0412345678', '101', 'Anonymous', ''),
      text,
      anyJson,
    ),
    name: fc.oneof(text, anyJson),
    agent: fc.oneof(fc.constantFrom('101', '102'), text),
    agent_first_name: text,
    agent_last_name: text,
    agent_email: text,
    duration_seconds: fc.oneof(fc.double(), fc.integer(), text),
    duration: fc.oneof(fc.constantFrom('00:01:05', '1:05', '99:99:99'), text),
    started_at: time,
    established_at: time,
    ended_at: time,
    queue: text,
    contact_id: text,
    entity_id: text,
  },
  { requiredKeys: [] },
);

describe('POST /3cx/journal, fuzzed', () => {
  it.each([
    ['a location polled over XAPI', () => t.apiKey],
    ['a journal-only location', () => journalOnlyKey],
  ])('for %s: 2xx or 400, and a refused entry stores nothing', async (_what, key) => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 5, arbitrary: entry }, { weight: 1, arbitrary: anyJson }),
        async (body) => {
          const before = storeSnapshot(t);
          const res = await send(
            t,
            'POST',
            '/3cx/journal',
            JSON.stringify(body),
            'application/json',
            key(),
          );
          expect(res.status).toBeLessThan(500);
          expect(res.contentType).toMatch(/^application\/json/);
          if (res.status >= 200 && res.status < 300) {
            expect(res.json).toMatchObject({
              status: expect.any(String),
              call_id: expect.any(String),
            });
            return;
          }
          expect(res.status).toBe(400);
          expect(res.json).toMatchObject({ error: 'invalid_request', message: expect.any(String) });
          expect(storeSnapshot(t)).toEqual(before);
        },
      ),
      { numRuns: 200 },
    );
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });
});
