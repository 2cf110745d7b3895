/**
 * Which addresses a task under the default network policy may reach through Todone's proxy: the
 * globally routable ones. Refused unless allowed: the host's loopback (its Temporal frontend, the
 * web board, the codec server, any local service), link-local (cloud metadata at 169.254.169.254),
 * private and shared ranges, multicast and reserved ranges, IPv6 forms that embed an IPv4 address
 * elsewhere (6to4, NAT64, Teredo), and every address of the host's own interfaces.
 */
import net from 'node:net';
import os from 'node:os';
import { parseAllowEntry, type AllowEntry } from '../../src/core/network-policy.js';

/**
 * IANA's special-purpose ranges where a host's own or its networks' services live (RFC 6890 and its
 * updates). The documentation and benchmarking ranges are left reachable: no service of the host is
 * there by convention, and some networks route through them on purpose (egress gateways, proxies
 * whose DNS answers with addresses in 198.18.0.0/15).
 */
const SPECIAL_RANGES: readonly [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', 'this network'],
  ['10.0.0.0', 8, 'ipv4', 'a private address'],
  ['100.64.0.0', 10, 'ipv4', 'a shared (carrier-grade NAT) address'],
  ['127.0.0.0', 8, 'ipv4', "the host's loopback"],
  ['169.254.0.0', 16, 'ipv4', 'link-local (cloud metadata lives there)'],
  ['172.16.0.0', 12, 'ipv4', 'a private address'],
  ['192.0.0.0', 24, 'ipv4', 'a reserved address'],
  ['192.88.99.0', 24, 'ipv4', 'a reserved address'],
  ['192.168.0.0', 16, 'ipv4', 'a private address'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved address'],
  ['::', 128, 'ipv6', 'this network'],
  ['::1', 128, 'ipv6', "the host's loopback"],
  ['64:ff9b::', 96, 'ipv6', 'NAT64 (an IPv4 address in disguise)'],
  ['64:ff9b:1::', 48, 'ipv6', 'NAT64 (an IPv4 address in disguise)'],
  ['100::', 64, 'ipv6', 'a discard address'],
  ['2001::', 23, 'ipv6', 'a reserved address (Teredo among them)'],
  ['2002::', 16, 'ipv6', '6to4 (an IPv4 address in disguise)'],
  ['fc00::', 7, 'ipv6', 'a private (unique local) address'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fec0::', 10, 'ipv6', 'a reserved (site-local) address'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];

const special = SPECIAL_RANGES.map(([address, prefix, family, why]) => {
  const list = new net.BlockList();
  list.addSubnet(address, prefix, family);
  return { list, why };
});

/** The host's own addresses change rarely; reading them costs a syscall, so once a few seconds. */
const OWN_ADDRESSES_TTL_MS = 5_000;
let ownAddresses: { at: number; list: Set<string> } | undefined;

function hostAddresses(): Set<string> {
  const now = Date.now();
  if (!ownAddresses || now - ownAddresses.at > OWN_ADDRESSES_TTL_MS) {
    const list = new Set<string>();
    for (const entries of Object.values(os.networkInterfaces()))
      for (const entry of entries ?? []) list.add(normaliseAddress(entry.address));
    ownAddresses = { at: now, list };
  }
  return ownAddresses.list;
}

/** Why `address` may not be reached, or undefined when it may (BlockList also sees IPv4 in ::ffff:…). */
export function refusedAddress(address: string): string | undefined {
  const family = net.isIPv6(address) ? 'ipv6' : 'ipv4';
  for (const range of special) if (range.list.check(address, family)) return range.why;
  if (hostAddresses().has(normaliseAddress(address))) return "one of the host's own addresses";
  return undefined;
}

function normaliseAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return (mapped ? mapped[1]! : address).toLowerCase().replace(/%.*$/, '');
}

/** The parsed allow list of a policy (entries were checked at load; a bad one is simply never matched). */
export function parseAllowList(entries: readonly string[]): AllowEntry[] {
  return entries.flatMap((entry) => {
    const parsed = parseAllowEntry(entry);
    return 'problem' in parsed ? [] : [parsed];
  });
}

/** Whether the board allowed `host:port` by name or address (a request names it as the client wrote it). */
export function isAllowed(allow: readonly AllowEntry[], host: string, port: number): boolean {
  const wanted = host
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  return allow.some(
    (entry) =>
      (entry.port === undefined || entry.port === port) &&
      (entry.host.replace(/\.$/, '') === wanted ||
        (net.isIP(entry.host) !== 0 && net.isIP(wanted) !== 0 && sameAddress(entry.host, wanted))),
  );
}

function sameAddress(a: string, b: string): boolean {
  const list = new net.BlockList();
  list.addAddress(a, net.isIPv6(a) ? 'ipv6' : 'ipv4');
  return list.check(b, net.isIPv6(b) ? 'ipv6' : 'ipv4');
}
