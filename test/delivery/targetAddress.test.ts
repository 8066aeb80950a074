import type { LookupAddress } from 'node:dns';
import {
  checkedLookup,
  literalHostRefusal,
  PUBLIC_TARGETS_ONLY,
  refusalOf,
  TargetRefusedError,
} from '../../bridge/delivery/targetAddress';
import { targetUrlSchema } from '../../bridge/http/targetUrl';

/**
 * Server-side request forgery: whoever holds a location's key picks where the bridge posts, so
 * by default it posts to public addresses only, judged on the address it connects to.
 */
const LOOPBACK_ONLY = { allowPrivate: false, allowLoopback: true };
const ANY = { allowPrivate: true, allowLoopback: false };

describe('which addresses a delivery may connect to', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.1.2.3', 'loopback'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.10', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
  ])('refuses %s (%s) by default', (address, range) => {
    const refusal = refusalOf(address, address, PUBLIC_TARGETS_ONLY);
    expect(refusal).toBeInstanceOf(TargetRefusedError);
    expect(refusal?.range).toBe(range);
    expect(refusal?.message).toContain('BRIDGE_ALLOW_PRIVATE_TARGETS');
  });

  it.each(['8.8.8.8', '172.32.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'allows the public address %s',
    (address) => {
      expect(refusalOf(address, address, PUBLIC_TARGETS_ONLY)).toBeNull();
    },
  );

  it('names the local-http setting for a receiver on this machine, only there', () => {
    expect(refusalOf('127.0.0.1', '127.0.0.1', PUBLIC_TARGETS_ONLY)?.message).toMatch(
      /BRIDGE_ALLOW_LOCAL_HTTP_TARGETS=1 for a receiver on this machine.*BRIDGE_ALLOW_PRIVATE_TARGETS=1/,
    );
    expect(refusalOf('10.0.0.5', '10.0.0.5', PUBLIC_TARGETS_ONLY)?.message).not.toContain(
      'BRIDGE_ALLOW_LOCAL_HTTP_TARGETS',
    );
  });

  it('allows loopback only with the local-http setting, and everything with the private one', () => {
    expect(refusalOf('127.0.0.1', '127.0.0.1', LOOPBACK_ONLY)).toBeNull();
    expect(refusalOf('::1', '::1', LOOPBACK_ONLY)).toBeNull();
    expect(refusalOf('10.0.0.5', '10.0.0.5', LOOPBACK_ONLY)).not.toBeNull();
    for (const address of ['10.0.0.5', '169.254.169.254', '127.0.0.1', 'fe80::1'])
      expect(refusalOf(address, address, ANY)).toBeNull();
  });

  it.each([
    ['https://127.0.0.1/hook', 'loopback'],
    ['https://2130706433/hook', 'loopback'],
    ['https://0x7f000001/hook', 'loopback'],
    ['https://0177.0.0.1/hook', 'loopback'],
    ['https://127.1/hook', 'loopback'],
    ['https://[::1]/hook', 'loopback'],
    ['https://[::ffff:7f00:1]/hook', 'loopback'],
    ['https://0.0.0.0/hook', 'unspecified'],
    ['https://169.254.169.254/latest/meta-data', 'linkLocal'],
    ['https://[fe80::1]/hook', 'linkLocal'],
  ])('sees through the spelling of %s', (url, range) => {
    expect(literalHostRefusal(new URL(url), PUBLIC_TARGETS_ONLY)?.range).toBe(range);
  });

  it('leaves host names to the check at connect time', () => {
    expect(
      literalHostRefusal(new URL('https://hooks.zapier.com/x'), PUBLIC_TARGETS_ONLY),
    ).toBeNull();
  });

  describe('the lookup the delivery agents connect with', () => {
    function lookup(host: string, all: boolean, policy = PUBLIC_TARGETS_ONLY) {
      return new Promise<{ error: Error | null; addresses: string[] }>((resolve) =>
        checkedLookup(policy)(host, { all }, (error, address) =>
          resolve({
            error,
            addresses: Array.isArray(address)
              ? (address as LookupAddress[]).map((a) => a.address)
              : [address as string],
          }),
        ),
      );
    }

    it('refuses a name that resolves to a loopback address (localhost, or a rebinding name)', async () => {
      for (const all of [true, false]) {
        const { error } = await lookup('localhost', all);
        expect(error).toBeInstanceOf(TargetRefusedError);
      }
    });

    it('lets the name through when the setting allows it', async () => {
      const { error, addresses } = await lookup('localhost', false, LOOPBACK_ONLY);
      expect(error).toBeNull();
      expect(addresses[0]).toMatch(/^(127\.|::1$)/);
    });
  });
});

describe('subscribing a target', () => {
  const publicOnly = targetUrlSchema(PUBLIC_TARGETS_ONLY);

  it.each([
    'https://127.0.0.1/hook',
    'https://localhost/hook',
    'https://api.localhost/hook',
    'https://[::1]/hook',
    'https://0.0.0.0/hook',
    'https://2130706433/hook',
    'https://10.1.2.3/hook',
    'https://172.16.5.4/hook',
    'https://192.168.0.1/hook',
    'https://169.254.169.254/hook',
    'https://[fc00::1]/hook',
    'https://[fe80::1]/hook',
    'https://[::ffff:10.0.0.1]/hook',
  ])('refuses %s with a message that says why', (url) => {
    const result = publicOnly.safeParse(url);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].message).toMatch(/^must be a public address: /);
  });

  it('accepts public https targets', () => {
    expect(publicOnly.safeParse('https://hooks.zapier.com/hooks/standard/1/abc').success).toBe(
      true,
    );
    expect(publicOnly.safeParse('https://8.8.8.8/hook').success).toBe(true);
  });

  it('accepts an internal receiver when the bridge allows private targets', () => {
    expect(targetUrlSchema(ANY).safeParse('https://10.1.2.3/hook').success).toBe(true);
    expect(targetUrlSchema(LOOPBACK_ONLY).safeParse('http://127.0.0.1:9000/hook').success).toBe(
      true,
    );
    expect(targetUrlSchema(LOOPBACK_ONLY).safeParse('https://10.1.2.3/hook').success).toBe(false);
  });
});
