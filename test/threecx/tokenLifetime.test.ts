import { parseVersion, tokenLifetime } from '../../lib/threecx/tokenLifetime';

describe('token lifetime (docs/3cx-facts.md §1.2: expires_in unit changed in 20.0.9)', () => {
  it.each([
    // [expires_in, version, seconds, unit]
    [60, '20.0.8.900', 3600, 'minutes'],
    [60, '20.0.9.100', 60, 'seconds'],
    [3600, '20.0.10.1040', 3600, 'seconds'],
    [3600, '20.0.9', 3600, 'seconds'],
    [60, '18.0.9.20', 3600, 'minutes'],
    [60, null, 3600, 'minutes'],
    [300, null, 18000, 'minutes'],
    [3600, null, 3600, 'seconds'],
    [301, null, 301, 'seconds'],
    [60, 'unknown build', 3600, 'minutes'],
  ] as const)(
    'expires_in %d with version %p lives %d s (%s)',
    (expiresIn, version, seconds, unit) => {
      const lifetime = tokenLifetime(expiresIn, version);
      expect(lifetime.seconds).toBe(seconds);
      expect(lifetime.unit).toBe(unit);
    },
  );

  it('reads 3CX version strings', () => {
    expect(parseVersion('20.0.10.1040')).toEqual([20, 0, 10, 1040]);
    expect(parseVersion('V20.0.3')).toEqual([20, 0, 3]);
    expect(parseVersion('n/a')).toBeNull();
  });
});
