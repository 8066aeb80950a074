import { request } from 'node:http';
import { startBenchReceiver, type BenchReceiver } from '../../bench/benchReceiver';

/**
 * The bench's webhook receiver keeps each event's body and reads its fields only when a
 * benchmark asks for the arrivals (bench/benchReceiver.ts): what it answers, when it notes an
 * arrival and the fields it reports must be what they were when it parsed every body at once.
 */
describe('the bench receiver', () => {
  let receiver: BenchReceiver;
  beforeAll(async () => {
    receiver = await startBenchReceiver(2);
  });
  afterAll(() => receiver.close());

  /**
   * POST `parts` (written one by one) to `url`; the answer's status, type and body. One options
   * object, no `(url, options)` pair: zapier-platform-core patches `http.request` for the whole
   * process once a Zapier test has run in the jest worker, and its patch takes `(options,
   * callback)` only, so a second argument of options was dropped (a GET, its body unframed: 400
   * in CI). A connection of its own (`agent: false`), not the global agent's pool.
   */
  function post(url: string, parts: string[]) {
    return new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
      const { hostname, port, pathname, search } = new URL(url);
      const req = request({
        hostname,
        port,
        path: `${pathname}${search}`,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', body }),
        );
      });
      req.on('error', reject);
      for (const part of parts.slice(0, -1)) req.write(part);
      req.end(parts.at(-1));
    });
  }

  it('answers 200 {} and reports each event’s fields, in arrival order, read when asked', async () => {
    const before = Date.now();
    const start = receiver.count();
    const missed = JSON.stringify({
      id: 'evt_1',
      event: 'call.missed',
      call_id: 'call_1',
      location: { id: 'loc_1', name: 'Zoë' },
      data: { id: 'not this one' },
    });
    const answers = [
      await post(receiver.urls[0], [missed.slice(0, 20), missed.slice(20)]),
      await post(`${receiver.urls[1]}?delay=20`, [
        JSON.stringify({ id: 'evt_2', event: 'call.ended', call_id: 'call_2' }),
      ]),
      await post(receiver.urls[0], ['not json']),
    ];
    const answered = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 5));
    for (const answer of answers)
      expect(answer).toEqual({ status: 200, type: 'application/json', body: '{}' });
    expect(receiver.count()).toBe(start + 3);
    const arrivals = receiver.arrivals(start);
    expect(arrivals).toEqual([
      {
        at: expect.any(Number),
        path: '/hook',
        eventId: 'evt_1',
        event: 'call.missed',
        callId: 'call_1',
        locationId: 'loc_1',
      },
      {
        at: expect.any(Number),
        path: '/hook?delay=20',
        eventId: 'evt_2',
        event: 'call.ended',
        callId: 'call_2',
        locationId: '',
      },
      { at: expect.any(Number), path: '/hook', eventId: '', event: '', callId: '', locationId: '' },
    ]);
    // Noted when each body ended, before its answer, not when read.
    expect(arrivals[0].at).toBeGreaterThanOrEqual(before);
    expect(arrivals[1].at).toBeGreaterThanOrEqual(arrivals[0].at);
    expect(arrivals[2].at).toBeGreaterThanOrEqual(arrivals[1].at);
    expect(arrivals[2].at).toBeLessThanOrEqual(answered);
    // Read again, and from a later index: the same arrivals.
    expect(receiver.arrivals(start + 1)).toEqual(arrivals.slice(1));
    expect(receiver.arrivals(start)).toEqual(arrivals);
  });
});
