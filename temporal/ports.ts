import net from 'node:net';
import getPort from 'get-port';

export const LOOPBACK = '127.0.0.1';

/**
 * Whether nothing listens on `port` (we can bind it ourselves right now). Not get-port: it refuses a
 * port this very process picked in the last 15 to 30 s, and a server restarted here must come back
 * on the port it had.
 */
export function isPortFree(port: number, host = LOOPBACK): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A port free now, never one in `exclude`. get-port also remembers for a while the ports it handed
 * out in this process, so two calls in a row never return the same port. Someone outside may still
 * take it before we use it.
 */
export function freePort(exclude: readonly number[] = [], host = LOOPBACK): Promise<number> {
  return getPort({ host, exclude });
}

/** A cheap "is anything listening" test, so readiness polling does not wait out gRPC timeouts. */
export function acceptsTcp(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
