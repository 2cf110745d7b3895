/**
 * The network policy of a confined task, as the board states it and the worker applies it. Pure (no
 * Node modules): the loader checks allow entries with the very rule the worker reads them with.
 *
 * An allow entry is `host[:port]`: a name (`registry.internal`), an IPv4 address or a bracketed
 * IPv6 one (`[fd00::1]:8443`). Without a port every port of that host is allowed. A loopback entry
 * (`127.0.0.1:4000`, `localhost:4000`, `[::1]:4000`) names a service on the worker's own machine:
 * it needs its port, which the task then reaches on the same address inside its sandbox.
 */
import type { NetworkPolicy } from './board.js';

export interface AllowEntry {
  /** Lowercase; an IPv6 address without its brackets. */
  host: string;
  /** Absent: any port. */
  port?: number;
  /** The worker's own loopback: forwarded into the sandbox on the same port. */
  loopback: boolean;
}

export type NetworkMode =
  /** No network at all: its own namespace with a loopback only. */
  | 'none'
  /** The host's network, as the worker has it. */
  | 'host'
  /** The outside through Todone's proxy, plus the allowed entries. */
  | 'filtered';

export function networkMode(policy: NetworkPolicy | undefined): NetworkMode {
  if (policy === false) return 'none';
  if (policy === true) return 'host';
  return 'filtered';
}

/** The allow list of a filtered policy (none for the others). */
export function allowList(policy: NetworkPolicy | undefined): string[] {
  return typeof policy === 'object' ? policy.allow : [];
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseAllowEntry(text: string): AllowEntry | { problem: string } {
  const entry = text.trim().toLowerCase();
  if (entry === '') return { problem: 'must not be blank' };
  if (/[/@\s]/.test(entry) || entry.includes('://'))
    return { problem: `expected host or host:port (no scheme, path or user), got ${JSON.stringify(text)}` };
  const split = splitHostPort(entry);
  if ('problem' in split) return split;
  const { host, port } = split;
  const kind = hostKind(host);
  if (kind === undefined) return { problem: `${JSON.stringify(host)} is not a host name or an IP address` };
  if (kind === 'unspecified')
    return { problem: `${JSON.stringify(host)} is no particular host: name the address the service listens on` };
  const loopback = kind === 'loopback';
  if (loopback && port === undefined) {
    return {
      problem: `a service on the worker's own loopback needs its port (${host.includes(':') ? `[${host}]` : host}:PORT): only that port is forwarded into the sandbox`,
    };
  }
  return { host, ...(port !== undefined ? { port } : {}), loopback };
}

export function allowEntryProblem(text: string): string | undefined {
  const parsed = parseAllowEntry(text);
  return 'problem' in parsed ? parsed.problem : undefined;
}

/** The entry as the worker compares it: `host:port`, `[v6]:port`, or the host alone. */
export function formatAllowEntry(entry: AllowEntry): string {
  const host = entry.host.includes(':') ? `[${entry.host}]` : entry.host;
  return entry.port === undefined ? host : `${host}:${entry.port}`;
}

function splitHostPort(entry: string): { host: string; port?: number } | { problem: string } {
  let host = entry;
  let portText: string | undefined;
  if (entry.startsWith('[')) {
    const close = entry.indexOf(']');
    if (close < 0) return { problem: `unclosed [ in ${JSON.stringify(entry)}` };
    host = entry.slice(1, close);
    const rest = entry.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':'))
      return { problem: `expected [address]:port, got ${JSON.stringify(entry)}` };
    if (rest !== '') portText = rest.slice(1);
    if (!host.includes(':')) return { problem: `brackets are for IPv6 addresses, got ${JSON.stringify(entry)}` };
  } else if ((entry.match(/:/g) ?? []).length === 1) {
    [host, portText] = entry.split(':') as [string, string];
  } else if (entry.includes(':')) {
    return { problem: `write an IPv6 address in brackets, [${entry}] or [${entry}]:PORT` };
  }
  if (portText === undefined) return { host };
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65_535)
    return { problem: `the port must be a number from 1 to 65535, got ${JSON.stringify(portText)}` };
  return { host, port };
}

function hostKind(host: string): 'name' | 'address' | 'loopback' | 'unspecified' | undefined {
  const v4 = IPV4.exec(host);
  if (v4) {
    const parts = v4.slice(1).map(Number);
    if (parts.some((part) => part > 255)) return undefined;
    if (parts[0] === 127) return 'loopback';
    return parts.every((part) => part === 0) ? 'unspecified' : 'address';
  }
  if (host.includes(':')) {
    const groups = ipv6Groups(host);
    if (!groups) return undefined;
    if (groups.every((group, i) => group === (i === 7 ? 1 : 0))) return 'loopback';
    // ::ffff:127.x.y.z is the IPv4 loopback written as IPv6.
    if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff && groups[6]! >> 8 === 127)
      return 'loopback';
    return groups.every((group) => group === 0) ? 'unspecified' : 'address';
  }
  if (!HOSTNAME.test(host)) return undefined;
  return host === 'localhost' || host.endsWith('.localhost') ? 'loopback' : 'name';
}

/** The eight 16-bit groups of an IPv6 address (an embedded IPv4 tail included), or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (half: string): number[] | undefined => {
    if (half === '') return [];
    const out: number[] = [];
    const parts = half.split(':');
    for (const [i, part] of parts.entries()) {
      const v4 = i === parts.length - 1 ? IPV4.exec(part) : null;
      if (v4) {
        const bytes = v4.slice(1).map(Number);
        if (bytes.some((b) => b > 255)) return undefined;
        out.push(bytes[0]! * 256 + bytes[1]!, bytes[2]! * 256 + bytes[3]!);
      } else if (/^[0-9a-f]{1,4}$/.test(part)) out.push(parseInt(part, 16));
      else return undefined;
    }
    return out;
  };
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...Array<number>(missing).fill(0), ...tail] : undefined;
}
