import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which addresses a delivery may connect to. Subscribers are chosen by whoever holds a
 * location's API key, so by default the bridge posts only to public addresses: a key holder
 * must not make the bridge reach its own machine, the LAN or a cloud metadata service
 * (169.254.169.254) and read the answers or errors back (server-side request forgery).
 */
export interface TargetAddressPolicy {
  /**
   * Any address, private ones included: a bridge that must reach an internal receiver
   * (`BRIDGE_ALLOW_PRIVATE_TARGETS=1`, `serve --allow-private-targets`).
   */
  allowPrivate: boolean;
  /**
   * Loopback addresses too: the local-http development setting
   * (`BRIDGE_ALLOW_LOCAL_HTTP_TARGETS=1`), whose receivers run on this machine.
   */
  allowLoopback: boolean;
}

export const PUBLIC_TARGETS_ONLY: TargetAddressPolicy = {
  allowPrivate: false,
  allowLoopback: false,
};

/** ipaddr.js's range names, as a message says them. */
const RANGE_NAMES: Record<string, string> = {
  loopback: 'a loopback address (this machine)',
  private: 'a private network address',
  linkLocal: 'a link-local address',
  uniqueLocal: 'a private (unique local) IPv6 address',
  unspecified: 'the unspecified address',
  carrierGradeNat: 'a carrier-grade NAT address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
};

/**
 * What lets a delivery reach this machine: the narrower development setting first, as a
 * receiver on the bridge's own machine needs nothing more.
 */
export const LOCAL_RECEIVER_SETTINGS =
  'set BRIDGE_ALLOW_LOCAL_HTTP_TARGETS=1 for a receiver on this machine, in development, or BRIDGE_ALLOW_PRIVATE_TARGETS=1 to allow every internal receiver';

/** A target whose address the policy refuses; the worker records it as "refused: not a public address". */
export class TargetRefusedError extends Error {
  readonly code = 'ERR_TARGET_NOT_PUBLIC';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly range: string,
  ) {
    super(
      `${host} is ${address === host ? '' : `${address}, `}${RANGE_NAMES[range] ?? `a ${range} address`}: deliveries go to public addresses only (${
        range === 'loopback'
          ? LOCAL_RECEIVER_SETTINGS
          : 'set BRIDGE_ALLOW_PRIVATE_TARGETS=1 to allow internal receivers'
      })`,
    );
    this.name = 'TargetRefusedError';
  }
}

/**
 * The range an address is in, as ipaddr.js names it: `unicast` is a public address; every
 * other range (private, loopback, linkLocal, uniqueLocal, unspecified, carrierGradeNat,
 * multicast, reserved, 6to4, teredo, NAT64 …) is not. An IPv4-mapped IPv6 address
 * (`::ffff:127.0.0.1`) is judged as the IPv4 address it carries.
 */
export function addressRange(address: string): string {
  if (!ipaddr.isValid(address)) return 'invalid';
  return ipaddr.process(address).range();
}

/** Why the policy refuses this address, or null when it may be connected to. */
export function refusalOf(
  host: string,
  address: string,
  policy: TargetAddressPolicy,
): TargetRefusedError | null {
  if (policy.allowPrivate) return null;
  const range = addressRange(address);
  if (range === 'unicast') return null;
  if (range === 'loopback' && policy.allowLoopback) return null;
  return new TargetRefusedError(host, address, range);
}

/**
 * A target URL whose host is an IP address (the URL parser has already turned `2130706433`,
 * `0x7f.1` and `0177.0.0.1` into `127.0.0.1`): Node connects to it without a DNS lookup, so it
 * is checked here; a host name is checked by `checkedLookup` when the socket connects.
 */
export function literalHostRefusal(
  url: URL,
  policy: TargetAddressPolicy,
): TargetRefusedError | null {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) === 0 ? null : refusalOf(host, host, policy);
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for the delivery agents (node:net calls it when a socket connects): resolves the
 * name, keeps the addresses the policy allows and refuses the connection when none is left.
 * Checking the address actually connected to, not a resolution made at subscribe time, is what
 * stops DNS rebinding (a name that resolved to a public address then answers 127.0.0.1).
 */
export function checkedLookup(policy: TargetAddressPolicy) {
  return (
    hostname: string,
    options: { all?: boolean; family?: number | string },
    callback: LookupCallback,
  ): void => {
    dnsLookup(hostname, { ...options, all: true } as { all: true }, (err, addresses) => {
      if (err) return callback(err, []);
      let refused: TargetRefusedError | null = null;
      const allowed = addresses.filter((a) => {
        const refusal = refusalOf(hostname, a.address, policy);
        refused ??= refusal;
        return refusal === null;
      });
      if (allowed.length === 0)
        return callback(
          refused ?? Object.assign(new Error(`${hostname}: no address`), { code: 'ENOTFOUND' }),
          [],
        );
      if (options.all) callback(null, allowed);
      else callback(null, allowed[0].address, allowed[0].family);
    });
  };
}
