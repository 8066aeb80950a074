import { SecretBox } from '../../bridge/secrets/secretBox';
import type { PollTarget } from '../../bridge/ingest/pollScheduler';
import { CLUSTER_KEY, startTwoBridges, type TwoBridges } from './twoBridges';

/**
 * An instance's lease round (every 5 s by default) costs the same however many locations the
 * group has: one statement renews its leases (and takes or gives back), one reads which
 * locations changed, and a location is read again and its sealed 3CX secret opened only when
 * its row changed. A changed polling setting or connection still gives the location a new
 * poller at the next round.
 */
const EXTRA_LOCATIONS = 10;

let c: TwoBridges;
let box: SecretBox;
/** The PBX URL of every 3CX client the first instance made, in order. */
let clientsMade: Array<string | null>;
beforeEach(async () => {
  box = SecretBox.fromKey(CLUSTER_KEY);
  clientsMade = [];
  c = await startTwoBridges({
    a: {
      secrets: box,
      transportFor: (location) => {
        clientsMade.push(location.pbxUrl);
        return undefined;
      },
    },
  });
  for (let i = 0; i < EXTRA_LOCATIONS; i++)
    c.b.store.locations.create(
      {
        name: `Branch ${i}`,
        pbxUrl: c.sim.url,
        clientId: 'bridge',
        clientSecret: 'bridge-secret',
        country: 'AU',
        timezone: 'Australia/Adelaide',
        settings: { callControl: 'off' },
      },
      new Date(c.sim.clock.now()),
    );
  // The first instance keeps its fair half (6 of 11), the second takes the rest.
  c.a.refreshLocations();
  c.b.refreshLocations();
});
afterEach(() => c.close());

/**
 * What one call does on the first instance: the statements it sends, how many secrets it
 * opens, and whose.
 */
function counted(work: () => void): { statements: number; secretsOpened: number; of: string[] } {
  const db = c.a.store.db as unknown as { client: { query: (...args: unknown[]) => unknown } };
  const query = jest.spyOn(db.client, 'query');
  const open = jest.spyOn(box, 'open');
  const read = jest.spyOn(c.a.store.locations, 'clientSecret');
  try {
    work();
    return {
      statements: query.mock.calls.length,
      secretsOpened: open.mock.calls.length,
      of: [...new Set(read.mock.calls.map(([id]) => id))],
    };
  } finally {
    query.mockRestore();
    open.mockRestore();
    read.mockRestore();
  }
}

it('renews in one statement and opens no secret when nothing changed', () => {
  const held = [...c.a.cluster!.heldLocations()];
  expect(held).toHaveLength(6);
  expect(c.b.cluster!.heldLocations().size).toBe(5);
  // One statement for the leases, one for the locations' revisions.
  expect(counted(() => c.a.refreshLocations())).toEqual({
    statements: 2,
    secretsOpened: 0,
    of: [],
  });
  expect([...c.a.cluster!.heldLocations()]).toEqual(held);
});

it('sets up again only a location whose row changed, with a new poller when polling changed', () => {
  const mine = c.a.store.locations.get([...c.a.cluster!.heldLocations()][0])!;
  const added = jest.spyOn(c.a.scheduler, 'add');
  try {
    c.b.store.locations.updateSettings(mine.id, { pollIntervalSeconds: 10 });
    expect(counted(() => c.a.refreshLocations()).of).toEqual([mine.id]);
    expect(added.mock.calls.map(([t]: [PollTarget]) => [t.locationId, t.intervalMs])).toEqual([
      [mine.id, 10_000],
    ]);

    // A new connection (another address for the same PBX), written by hand: a new client.
    added.mockClear();
    const before = clientsMade.length;
    const moved = c.sim.url.replace('127.0.0.1', 'localhost');
    c.b.store.db.prepare('UPDATE locations SET pbx_url = ? WHERE id = ?').run(moved, mine.id);
    expect(counted(() => c.a.refreshLocations()).of).toEqual([mine.id]);
    expect(clientsMade.slice(before)).toEqual([moved]);
    expect(added.mock.calls.map(([t]: [PollTarget]) => t.locationId)).toEqual([mine.id]);

    // A location the other instance polls changed: nothing to do here.
    const theirs = [...c.b.cluster!.heldLocations()][0];
    c.a.store.locations.updateSettings(theirs, { pollIntervalSeconds: 15 });
    added.mockClear();
    expect(counted(() => c.a.refreshLocations())).toMatchObject({ secretsOpened: 0, of: [] });
    expect(added).not.toHaveBeenCalled();
  } finally {
    added.mockRestore();
  }
});
