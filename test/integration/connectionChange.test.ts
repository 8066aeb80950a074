import { createThreecxTransport } from '../../bridge/threecx/threecxTransport';
import { startTestBridge, type TestBridge } from '../support/testBridge';

/**
 * `location connect` on a running bridge: a rotated 3CX client secret (or a new address) takes
 * effect at the next location refresh, without a restart, and the location keeps polling
 * under its id, keys and history.
 */
let t: TestBridge;
/** 3CX clients the bridge made (one transport each). */
let clientsMade: number;
beforeEach(async () => {
  clientsMade = 0;
  t = await startTestBridge({
    bridge: {
      transportFor: () => {
        clientsMade++;
        return createThreecxTransport();
      },
    },
  });
});
afterEach(async () => {
  await t.close();
});

function connect(clientSecret: string) {
  t.bridge.store.locations.setConnection(t.locationId, {
    pbxUrl: t.sim.url,
    clientId: 'bridge',
    clientSecret,
  });
  t.bridge.refreshLocations();
}

describe('a changed 3CX connection on a running bridge', () => {
  it('polls with the new secret from the next refresh on, even one of the same length', async () => {
    await t.bridge.pollNow(t.locationId);
    // Same length as the right one ('bridge-secret'): only its content tells them apart.
    connect('bridge-secreT');
    await expect(t.bridge.pollNow(t.locationId)).rejects.toThrow(/secret|401|credentials|token/i);
    connect('bridge-secret');
    await expect(t.bridge.pollNow(t.locationId)).resolves.toBeDefined();
    expect(t.bridge.scheduler.status().map((s) => s.locationId)).toEqual([t.locationId]);
  });

  it('keeps the client, and its token, while the connection is the same', async () => {
    await t.bridge.pollNow(t.locationId);
    expect(clientsMade).toBe(1);
    // A settings change moves the location's revision but not its connection.
    t.bridge.store.locations.updateSettings(t.locationId, { graceSeconds: 12 });
    t.bridge.refreshLocations();
    await t.bridge.pollNow(t.locationId);
    expect(clientsMade).toBe(1);
    connect('bridge-secret'); // the same secret, sealed anew: still the same connection
    expect(clientsMade).toBe(1);
  });
});
