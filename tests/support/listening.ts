/**
 * The addresses the kernel says a port is listened on (/proc/net/tcp and tcp6), whatever the
 * server says of itself and whatever interfaces the machine has: a host with only a loopback
 * interface still shows a wildcard bind as 0.0.0.0 or ::.
 */
import fs from 'node:fs/promises';

const LISTEN = '0A';

/** IPv4 in /proc is one little-endian hex word; IPv6 is four of them. */
function address(hex: string): string {
  if (hex.length === 8) {
    return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
  }
  const words = hex.match(/.{8}/g)!.map((word) => word.match(/../g)!.reverse().join(''));
  const full = words.join('').match(/.{4}/g)!.join(':');
  // The URL parser writes IPv6 in its canonical short form (::1, ::ffff:7f00:1).
  return new URL(`http://[${full}]/`).hostname.slice(1, -1);
}

export async function listeningAddresses(port: number): Promise<string[]> {
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = (await fs.readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const line of lines) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== LISTEN) continue;
      const [hex, portHex] = local.split(':');
      if (parseInt(portHex!, 16) === port) found.push(address(hex!));
    }
  }
  return found;
}
