import { main } from '../../sim/cli';
import { accessToken, xapiGet } from './simHttp';

describe('3cx-sim CLI', () => {
  it('starts a simulator with the given clients and traffic, prints no secret, and stops', async () => {
    const lines: string[] = [];
    const sim = await main(
      [
        'node',
        '3cx-sim',
        '--port',
        '0',
        '--client-id',
        '900',
        '--client-secret',
        'top-secret-1',
        '--client',
        'zapier:top-secret-2:system_admin',
        '--version',
        '20.0.7.500',
        '--manual',
        '--start',
        '2026-03-02T00:00:00Z',
        '--traffic',
        '30',
        '--seed',
        '4',
      ],
      { log: (line) => lines.push(line) },
    );
    try {
      const printed = lines.join('\n');
      expect(printed).toContain(sim.url);
      expect(printed).toContain('900 (system_owner)');
      expect(printed).toContain('zapier (system_admin)');
      expect(printed).not.toMatch(/top-secret/);
      const token = await accessToken(sim.url, '900', 'top-secret-1');
      const status = await xapiGet(sim.url, '/xapi/v1/SystemStatus', token);
      expect(status.json.Version).toBe('20.0.7.500');
      sim.clock.advance(600);
      expect(sim.pbx.calls().length).toBeGreaterThan(100);
      expect(process.listenerCount('SIGINT')).toBeGreaterThan(0);
    } finally {
      await sim.close();
    }
    await expect(fetch(`${sim.url}/_sim/clock`)).rejects.toThrow();
  });

  it('stops on SIGTERM', async () => {
    const sim = await main(['node', '3cx-sim', '--port', '0', '--manual'], {
      log: () => undefined,
    });
    const before = process.listenerCount('SIGTERM');
    process.emit('SIGTERM', 'SIGTERM');
    // The handler closes the server; wait for it without a wall-clock guess.
    await sim.close();
    expect(process.listenerCount('SIGTERM')).toBe(before - 1);
    await expect(fetch(`${sim.url}/_sim/clock`)).rejects.toThrow();
  });

  it('rejects half a client and bad numbers', async () => {
    const quiet = { log: () => undefined };
    await expect(
      main(['node', '3cx-sim', '--port', '0', '--client-id', 'x'], quiet),
    ).rejects.toThrow(/together/);
    await expect(main(['node', '3cx-sim', '--port', 'abc'], quiet)).rejects.toThrow();
    await expect(
      main(['node', '3cx-sim', '--port', '0', '--client', 'nosecret'], quiet),
    ).rejects.toThrow(/id:secret/);
  });
});
