/** The kernel's listening table read by the "binds 127.0.0.1 only" checks tells a wildcard bind apart. */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { listeningAddresses } from '../support/listening.js';

async function listenOn(host: string): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  return server;
}

describe('listeningAddresses', () => {
  it.each([
    ['127.0.0.1', ['127.0.0.1']],
    ['0.0.0.0', ['0.0.0.0']],
    ['::', ['::']],
    ['::1', ['::1']],
  ])('reads a server bound to %s', async (host, expected) => {
    const server = await listenOn(host).catch(() => undefined);
    // A kernel without IPv6 cannot bind it: nothing to read then.
    if (!server) return expect(host).toContain(':');
    try {
      expect(await listeningAddresses((server.address() as net.AddressInfo).port)).toEqual(expected);
    } finally {
      server.close();
    }
  });
});
