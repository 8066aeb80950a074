import { createAxiosTransport } from '../../bridge/threecx/axiosTransport';
import type { HttpTransport } from '../../lib/threecx/httpTransport';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * Issue 16 item 3, no synchronous stall over 50 ms: every 3CX answer a poll reads is decoded
 * and parsed in the bridge's work turns, not in its socket's callback, where 200 PBXs'
 * answers arriving together were parsed in one turn of the event loop.
 */
let t: TestBridge;
let requests = 0;
let parsedInTurns = 0;
beforeEach(async () => {
  requests = 0;
  parsedInTurns = 0;
  t = await startTestBridge({
    bridge: {
      transportFor: (_location, options): HttpTransport => {
        const inner = createAxiosTransport({
          ...options,
          bodyTurn:
            options.bodyTurn && ((work) => options.bodyTurn!(() => (parsedInTurns++, work()))),
        });
        return {
          request: (request) => {
            requests++;
            return inner.request(request);
          },
        };
      },
    },
  });
});
afterEach(async () => {
  await t.close();
});

it('parses every answer of a poll in a work turn', async () => {
  await t.bridge.pollNow(t.locationId);
  expect(requests).toBeGreaterThan(0);
  expect(parsedInTurns).toBe(requests);
});
