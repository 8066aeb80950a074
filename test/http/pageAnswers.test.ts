import { z } from 'zod';
import { syntheticEvents } from '../../bench/syntheticEvents';
import { callEventSchema } from '../../bridge/schemas/callEvent';
import { callRecordSchema } from '../../bridge/schemas/callRecord';
import { WorkTurns } from '../../bridge/workTurns';
import { api } from '../support/bridgeApi';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * The list pages (`GET /v1/events`, `GET /v1/calls`) are built and serialised in their page
 * turn (bridge/http/routeKit.ts `answerInTurn`): what a client receives is the JSON the turn
 * produced, checked against the route's response schema, with fastify's JSON content type.
 */
let t: TestBridge;
/** What each work turn of the bridge resolved with, in order. */
let turnResults: unknown[];

beforeAll(async () => {
  t = await startTestBridge();
  await t.tick();
  t.bridge.store.transaction(() => {
    for (const event of syntheticEvents(30, { locationId: t.locationId }))
      t.bridge.store.events.append(t.locationId, event, { now: Date.now() });
  });
});
afterAll(() => t.close());

beforeEach(() => {
  turnResults = [];
  const run = WorkTurns.prototype.run;
  jest.spyOn(WorkTurns.prototype, 'run').mockImplementation(async function (
    this: WorkTurns,
    ...args: Parameters<WorkTurns['run']>
  ) {
    const result = await run.apply(this, args);
    turnResults.push(result);
    return result;
  });
});
afterEach(() => jest.restoreAllMocks());

const feedAnswer = z.strictObject({ data: z.array(callEventSchema), next_cursor: z.string() });
const callsAnswer = z.strictObject({
  data: z.array(callRecordSchema),
  next_cursor: z.string().nullable(),
});

describe('a list page', () => {
  it('is the JSON its page turn serialised, schema-valid, as application/json', async () => {
    const feed = await api(t.url, t.apiKey, 'GET', '/v1/events?limit=10');
    expect(feed.status).toBe(200);
    expect(feed.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(feedAnswer.parse(feed.body).data).toHaveLength(10);
    // The bytes sent are the turn's result: the serialisation ran inside the turn.
    expect(turnResults).toContain(feed.text);
    expect(Number(feed.headers.get('content-length'))).toBe(Buffer.byteLength(feed.text));

    const calls = await api(t.url, t.apiKey, 'GET', '/v1/calls?limit=5');
    expect(calls.status).toBe(200);
    expect(calls.headers.get('content-type')).toBe('application/json; charset=utf-8');
    callsAnswer.parse(calls.body);
    expect(turnResults).toContain(calls.text);
  });

  it('pages on with the cursor it gave, as before', async () => {
    const first = await api(t.url, t.apiKey, 'GET', '/v1/events?limit=20');
    const rest = await api(
      t.url,
      t.apiKey,
      'GET',
      `/v1/events?limit=20&cursor=${encodeURIComponent(first.body.next_cursor)}`,
    );
    expect(rest.status).toBe(200);
    const ids = [...first.body.data, ...rest.body.data].map((e: { id: string }) => e.id);
    expect(new Set(ids).size).toBe(30);
    expect(rest.body.next_cursor).toBeNull();
  });

  it('is still checked against the response schema: a page it rejects is a 500, not sent', async () => {
    const event = syntheticEvents(1, { locationId: t.locationId })[0];
    jest.spyOn(t.bridge.store.events, 'feed').mockReturnValue({
      events: [{ event: { ...event, caller_number: 42 } as never, suppressed: false }],
      nextCursor: null,
    } as never);
    const feed = await api(t.url, t.apiKey, 'GET', '/v1/events?limit=10');
    expect(feed.status).toBe(500);
    expect(feed.body).toEqual({ error: 'internal_error', message: expect.any(String) });
    expect(feed.text).not.toContain('"caller_number":42');
  });
});
