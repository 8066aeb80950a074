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

  it('--call-control gives a client Call Control access to the DNs listed', async () => {
    const lines: string[] = [];
    const sim = await main(
      [
        'node',
        '3cx-sim',
        '--port',
        '0',
        '--manual',
        '--client',
        'cc:s3cret',
        '--client',
        'plain:other',
        '--call-control',
        'cc=101,102',
      ],
      { log: (line) => lines.push(line) },
    );
    try {
      expect(lines.join('\n')).toMatch(
        /callctl\s+ws:\/\/.*\/callcontrol\/ws \(cc monitors 101, 102\)/,
      );
      const cc = await accessToken(sim.url, 'cc', 's3cret');
      const snapshot = await fetch(`${sim.url}/callcontrol`, {
        headers: { authorization: `Bearer ${cc}` },
      });
      expect(((await snapshot.json()) as Array<{ dn: string }>).map((d) => d.dn)).toEqual([
        'cc',
        '101',
        '102',
      ]);
      const plain = await accessToken(sim.url, 'plain', 'other');
      expect(
        (await fetch(`${sim.url}/callcontrol`, { headers: { authorization: `Bearer ${plain}` } }))
          .status,
      ).toBe(403);
    } finally {
      await sim.close();
    }
    await expect(
      main(['node', '3cx-sim', '--port', '0', '--call-control', 'nobody=101'], {
        log: () => undefined,
      }),
    ).rejects.toThrow();
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

  it('refuses a repeated --client-id or --client-secret, says to use --client, prints no secret', async () => {
    for (const args of [
      ['--client-id', '900', '--client-secret', 'top-secret-1', '--client-id', '901'],
      ['--client-id', '900', '--client-secret', 'top-secret-1', '--client-secret', 'top-secret-2'],
      [
        '--client-id',
        '900',
        '--client-secret',
        'top-secret-1',
        '--client-id',
        '901',
        '--client-secret',
        'top-secret-2',
      ],
    ]) {
      const lines: string[] = [];
      const started = main(['node', '3cx-sim', '--port', '0', '--manual', ...args], {
        log: (line) => lines.push(line),
      });
      // No simulator starts with only the last pair: the whole command is refused.
      await expect(started).rejects.toThrow(/--client id:secret/);
      const printed = lines.join('\n');
      expect(printed).toMatch(/--client-(id|secret) was given 2 times/);
      expect(printed).toContain('--client id:secret');
      expect(printed).not.toMatch(/top-secret/);
    }
  });

  it('takes several clients as a pair plus repeated --client, each with its own token', async () => {
    const lines: string[] = [];
    const sim = await main(
      [
        'node',
        '3cx-sim',
        '--port',
        '0',
        '--manual',
        '--client-id',
        '900',
        '--client-secret',
        'secret-900',
        '--client',
        'zapier:secret-zapier',
        '--client',
        'reports:secret-reports:system_admin',
      ],
      { log: (line) => lines.push(line) },
    );
    try {
      expect(lines.join('\n')).toContain(
        'clients   900 (system_owner), zapier (system_owner), reports (system_admin)',
      );
      for (const [id, secret] of [
        ['900', 'secret-900'],
        ['zapier', 'secret-zapier'],
        ['reports', 'secret-reports'],
      ]) {
        const token = await accessToken(sim.url, id, secret);
        expect((await xapiGet(sim.url, '/xapi/v1/SystemStatus', token)).status).toBe(200);
      }
    } finally {
      await sim.close();
    }
  });

  it('refuses the same client id twice, and prints every usage error it refuses', async () => {
    const cases: [string[], RegExp][] = [
      [['--client-id', '900', '--client-secret', 'a', '--client', '900:b'], /"900" is given twice/],
      [['--client', 'zapier:a', '--client', 'zapier:b'], /"zapier" is given twice/],
      [['--client-id', '900'], /--client-id and --client-secret go together/],
      [['--client', 'nosecret'], /--client wants id:secret/],
    ];
    for (const [args, message] of cases) {
      const lines: string[] = [];
      await expect(
        main(['node', '3cx-sim', '--port', '0', '--manual', ...args], {
          log: (line) => lines.push(line),
        }),
      ).rejects.toThrow(message);
      // bin/3cx-sim.js prints nothing more for a usage error: the message must be out already.
      expect(lines.join('\n')).toMatch(message);
    }
  });

  it('--help explains how to give several clients', async () => {
    const lines: string[] = [];
    await expect(
      main(['node', '3cx-sim', '--help'], { log: (line) => lines.push(line) }),
    ).rejects.toMatchObject({ code: 'commander.helpDisplayed', exitCode: 0 });
    const help = lines.join('\n');
    expect(help).toMatch(/--client <id:secret\[:role\]>\s+an API client; repeat for several/);
    expect(help).toContain('one active token per API client');
    expect(help).toMatch(/--client-id and\s+--client-secret \(once each\)/);
    expect(help).toMatch(/3cx-sim --client-id 900 --client-secret \S+ --client zapier:other/);
  });
});
