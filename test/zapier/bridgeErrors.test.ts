import { createServer } from 'node:net';
import * as zapier from 'zapier-platform-core';
import App from '../../index';
import { describeBridgeError, REVOKED_KEY_MESSAGE } from '../../lib/zapier/bridgeErrors';
import { explainBridgeErrors } from '../../lib/zapier/bridgeMiddleware';
import { callBridge } from '../../lib/zapier/bridgeRequest';
import { shownError } from './zapierErrors';

/** What users read when the bridge, or something that is not the bridge, says no. */
const body = (error: string, message: string) => JSON.stringify({ error, message });

describe('bridge error answers', () => {
  it('a 401 asks to create a new key and reconnect', () => {
    expect(
      describeBridgeError({ status: 401, content: body('unauthorized', 'Unknown API key') }),
    ).toMatchObject({
      kind: 'auth',
      message: REVOKED_KEY_MESSAGE,
    });
    expect(REVOKED_KEY_MESSAGE).toMatch(/3cx-bridge key create/);
  });

  it('a 400 passes on the bridge’s reason', () => {
    const problem = describeBridgeError({
      status: 400,
      content: JSON.stringify({
        error: 'invalid_request',
        message: 'contact_url: Invalid URL',
        details: [{ path: 'contact_url', message: 'Invalid URL' }],
      }),
    });
    expect(problem).toMatchObject({ kind: 'error', code: 'invalid_request', status: 400 });
    expect(problem.message).toBe(
      'The bridge refused the request: contact_url: Invalid URL. Check the fields of this step.',
    );
  });

  it('a 400 without a message lists the details', () => {
    const problem = describeBridgeError({
      status: 400,
      content: JSON.stringify({
        error: 'invalid_request',
        details: [{ path: 'tags.0', message: 'Too long' }],
      }),
    });
    expect(problem.message).toMatch(/tags\.0: Too long/);
  });

  it('a 404 from the bridge says the thing is not there for this location', () => {
    expect(
      describeBridgeError({ status: 404, content: body('not_found', 'Call not found') }).message,
    ).toBe(
      'The bridge found nothing there: Call not found. It may belong to another location, or have been deleted.',
    );
  });

  it('a 404 that is not the bridge’s points at the Bridge URL', () => {
    expect(describeBridgeError({ status: 404, content: '<html>Not Found</html>' }).message).toMatch(
      /not from a 3CX bridge\).*Bridge URL may not point at a 3CX bridge/,
    );
  });

  it('a 502 from a proxy says the bridge may be down', () => {
    expect(describeBridgeError({ status: 502, content: 'Bad Gateway' }).message).toMatch(
      /may be down or restarting/,
    );
  });

  it('a 429 is retried later', () => {
    expect(
      describeBridgeError({
        status: 429,
        content: body('rate_limited', 'Slow down'),
        retryAfter: '30',
      }),
    ).toMatchObject({
      kind: 'throttled',
      retryAfterSeconds: 30,
    });
  });
});

describe('the afterResponse middleware', () => {
  const z = { errors: zapier.errors } as unknown as zapier.ZObject;
  const response = (status: number, content: string, skipThrowForStatus = false) =>
    ({
      status,
      content,
      skipThrowForStatus,
      getHeader: () => undefined,
    }) as unknown as zapier.HttpResponse;

  it('turns a 401 into ExpiredAuthError, even when the caller handles errors itself', () => {
    for (const skip of [false, true]) {
      expect(() =>
        explainBridgeErrors(
          response(401, body('unauthorized', 'revoked'), skip),
          z,
          {} as zapier.Bundle,
        ),
      ).toThrow(
        expect.objectContaining({ name: 'ExpiredAuthError', message: REVOKED_KEY_MESSAGE }),
      );
    }
  });

  it('turns other errors into a message, unless the caller handles them', () => {
    expect(() =>
      explainBridgeErrors(
        response(404, body('not_found', 'Call not found')),
        z,
        {} as zapier.Bundle,
      ),
    ).toThrow(expect.objectContaining({ name: 'AppError' }));
    const handled = response(404, body('not_found', 'Subscription not found'), true);
    expect(explainBridgeErrors(handled, z, {} as zapier.Bundle)).toBe(handled);
    const ok = response(200, '{}');
    expect(explainBridgeErrors(ok, z, {} as zapier.Bundle)).toBe(ok);
  });
});

describe('an unreachable bridge', () => {
  it('says it could not be reached and why', async () => {
    // A port that was free a moment ago: nothing listens there.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = server.address() as { port: number };
        server.close(() => resolve(p));
      });
    });
    const appTester = zapier.createAppTester(App);
    const shown = await shownError(
      appTester((z, bundle) => callBridge(z, bundle, { path: '/v1/me' }), {
        authData: { bridge_url: `http://127.0.0.1:${port}`, api_key: 'cxb_x' },
      }),
    );
    expect(shown.message).toBe(
      `Could not reach the bridge at http://127.0.0.1:${port}: the connection was refused (is the bridge running on that address and port?). Check the Bridge URL in your Zapier connection and that the bridge is reachable from the internet.`,
    );
  });

  it('refuses a plain-http Bridge URL before sending the key anywhere', async () => {
    const appTester = zapier.createAppTester(App);
    const shown = await shownError(
      appTester(App.authentication!.test as never, {
        authData: { bridge_url: 'http://bridge.example.com', api_key: 'cxb_x' },
      }),
    );
    expect(shown).toMatchObject({ name: 'AppError', code: 'invalid_bridge_url' });
    expect(shown.message).toMatch(/must use https:\/\//);
  });
});

describe('a bridge without the endpoint asked for', () => {
  it('is probably older than the app', () => {
    expect(
      describeBridgeError({
        status: 404,
        content: body('not_found', 'No route GET /v1/source-lists.'),
      }).message,
    ).toBe(
      'This bridge does not offer what the Zapier app asked for (GET /v1/source-lists): it is probably older than the app. Update the bridge.',
    );
  });

  it('or the Bridge URL has a path the bridge does not serve', () => {
    expect(
      describeBridgeError({ status: 404, content: body('not_found', 'No route GET /api/v1/me.') })
        .message,
    ).toMatch(/^The bridge answered, but has nothing at \/api\/v1\/me: check the Bridge URL/);
  });
});
