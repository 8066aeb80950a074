import { createThreecxTransport, SMALL_ANSWER_BYTES } from '../../bridge/threecx/threecxTransport';
import type { HttpTransport } from '../../lib/threecx/httpTransport';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * Issue 16 item 3, no synchronous stall over 50 ms: every sizeable 3CX answer a poll reads is
 * decoded and parsed in the bridge's work turns, not in its socket's callback, where 200 PBXs'
 * answers arriving together were parsed in one turn of the event loop. Small answers (a token,
 * an empty `/ActiveCalls`) are parsed at once: they cost less than a turn's wait.
 */
let t: TestBridge;
/** The size in bytes of every answer, as it came off the socket. */
let answerBytes: number[] = [];
let parsedInTurns = 0;
beforeEach(async () => {
  answerBytes = [];
  parsedInTurns = 0;
  t = await startTestBridge({
    bridge: {
      transportFor: (_location, options): HttpTransport => {
        const transport = createThreecxTransport({
          ...options,
          bodyTurn:
            options.bodyTurn && ((work) => options.bodyTurn!(() => (parsedInTurns++, work()))),
        });
        return {
          request: async (request) => {
            const response = await transport.request(request);
            // The simulator answers uncompressed with a length: the body's bytes as they came.
            answerBytes.push(Number(response.headers['content-length']));
            return response;
          },
        };
      },
    },
  });
});
afterEach(async () => {
  await t.close();
});

it('parses every sizeable answer of a poll in a work turn, and only those', async () => {
  // Enough history that the call log's answer is well over the size parsed at once.
  for (let i = 0; i < 40; i++)
    t.sim.pbx.placeCall({ kind: 'queue', result: 'voicemail', caller: `+6141234${5600 + i}` });
  t.sim.clock.advance(900);
  await t.bridge.pollNow(t.locationId);
  const large = answerBytes.filter((bytes) => bytes > SMALL_ANSWER_BYTES).length;
  expect(large).toBeGreaterThan(0);
  expect(answerBytes.length).toBeGreaterThan(large); // the token and the rest: small
  expect(parsedInTurns).toBe(large);
});
