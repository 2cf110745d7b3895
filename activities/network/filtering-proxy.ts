/**
 * The HTTP proxy a task under the default network policy reaches the outside through: CONNECT
 * tunnels (https, and anything else a client tunnels) and plain requests by absolute URI. It runs
 * in the worker, fed with the connections the sandbox's namespace accepts (network-namespace.ts).
 *
 * It resolves the name itself, refuses any address the policy does not allow (address-policy.ts),
 * and connects to the very address it checked, so a name that resolves elsewhere a moment later
 * (DNS rebinding) gains nothing. A worker that itself goes out through a proxy (HTTPS_PROXY,
 * HTTP_PROXY) has the tunnels chained through it. A client that gives the proxy a user name (the
 * attempt's token, in the proxy URL Todone hands the task) has each refusal reported to its attempt.
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { lookup } from 'node:dns/promises';
import type { Duplex } from 'node:stream';
import type { AllowEntry } from '../../src/core/network-policy.js';
import { isAllowed, refusedAddress } from './address-policy.js';
import { upstreamFor, type UpstreamProxies } from './upstream.js';

/** Bounds every connection the proxy opens: a host that never answers must not hold a task's request forever. */
const CONNECT_TIMEOUT_MS = 30_000;

export interface ProxyOptions {
  allow: readonly AllowEntry[];
  /** The worker's own proxies, from its environment. */
  upstream?: UpstreamProxies;
  /** A refused request, with the token the client gave as its proxy user name (if any). */
  onRefused?: (refusal: { token: string | undefined; target: string; reason: string }) => void;
}

export interface FilteringProxy {
  /** Serves one connection a task opened to the proxy's port. */
  handle(socket: Duplex): void;
}

type Target = { host: string; port: number };

export function createFilteringProxy(options: ProxyOptions): FilteringProxy {
  const server = http.createServer();
  server.on('connect', (req: http.IncomingMessage, client: Duplex, head: Buffer) => {
    void tunnel(req, client, head, options);
  });
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    void forward(req, res, options);
  });
  server.on('clientError', (_error, socket: Duplex) => socket.destroy());
  return { handle: (socket) => server.emit('connection', socket) };
}

async function tunnel(req: http.IncomingMessage, client: Duplex, head: Buffer, options: ProxyOptions): Promise<void> {
  client.on('error', () => client.destroy());
  const target = parseAuthority(req.url ?? '');
  if (!target) return reject(client, 400, `expected CONNECT host:port, got ${JSON.stringify(req.url)}`);
  const decided = await decide(target, req, options);
  if ('status' in decided) return reject(client, decided.status, decided.message);
  let upstream: net.Socket;
  try {
    upstream = await open(decided, target, options.upstream);
  } catch (error) {
    return reject(client, 502, `${formatTarget(target)} could not be reached: ${errorText(error)}`);
  }
  client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  if (head.length > 0) upstream.write(head);
  splice(client, upstream);
}

async function forward(req: http.IncomingMessage, res: http.ServerResponse, options: ProxyOptions): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? '');
  } catch {
    return respond(res, 400, 'this is a proxy: send absolute URIs (http://host/path), or CONNECT host:port');
  }
  if (url.protocol !== 'http:') return respond(res, 400, `only http:// is forwarded (https goes through CONNECT)`);
  const target = { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80) };
  const decided = await decide(target, req, options);
  if ('status' in decided) return respond(res, decided.status, decided.message);
  const via = upstreamFor(options.upstream, target.host, 'http');
  const headers = withoutHopByHop(req.headers);
  const outgoing = http.request({
    ...(via
      ? {
          host: via.hostname,
          port: Number(via.port || 80),
          path: url.href,
          headers: { ...headers, ...authHeader(via) },
        }
      : { host: decided.address, family: decided.family, port: target.port, path: url.pathname + url.search, headers }),
    method: req.method,
    setHost: false,
    agent: false,
    timeout: CONNECT_TIMEOUT_MS,
  });
  outgoing.on('timeout', () => outgoing.destroy(new Error('no answer')));
  outgoing.on('error', (error) => {
    if (!res.headersSent) respond(res, 502, `${formatTarget(target)} could not be reached: ${error.message}`);
    else res.destroy();
  });
  outgoing.on('response', (answer) => {
    res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
    answer.pipe(res);
  });
  req.pipe(outgoing);
}

type Decision = { address: string; family: number } | { status: number; message: string };

/** The address to connect to, checked against the policy, or the answer that refuses the request. */
async function decide(target: Target, req: http.IncomingMessage, options: ProxyOptions): Promise<Decision> {
  const allowed = isAllowed(options.allow, target.host, target.port);
  let addresses: { address: string; family: number }[];
  if (net.isIP(target.host)) addresses = [{ address: target.host, family: net.isIP(target.host) }];
  else {
    try {
      addresses = await lookup(target.host, { all: true, verbatim: true });
    } catch (error) {
      // Behind the worker's own proxy names may only resolve out there; the check is then on the name alone.
      if (upstreamFor(options.upstream, target.host, 'https')) return { address: target.host, family: 0 };
      return { status: 502, message: `${target.host} could not be resolved: ${errorText(error)}` };
    }
  }
  if (allowed) return addresses[0]!;
  const reasons: string[] = [];
  for (const candidate of addresses) {
    const reason = refusedAddress(candidate.address);
    if (!reason) return candidate;
    reasons.push(`${candidate.address} is ${reason}`);
  }
  const reason = reasons[0] ?? 'no address';
  options.onRefused?.({ token: proxyUser(req), target: formatTarget(target), reason });
  return {
    status: 403,
    message:
      `Todone's sandbox refused ${formatTarget(target)}: ${reason}. A task reaches only the outside by default; ` +
      `to let it reach this host, add it to the board or task: network: { allow: ['${formatTarget(target)}'] }`,
  };
}

async function open(
  decided: { address: string; family: number },
  target: Target,
  upstreams: UpstreamProxies | undefined,
): Promise<net.Socket> {
  const via = upstreamFor(upstreams, target.host, 'https');
  const socket = via
    ? net.connect({ host: via.hostname, port: Number(via.port || 80) })
    : net.connect({ host: decided.address, port: target.port, ...(decided.family ? { family: decided.family } : {}) });
  socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy(new Error('no answer')));
  try {
    await once(socket, 'connect');
    if (via) await connectThrough(socket, decided.family ? decided.address : target.host, target.port, via);
  } catch (error) {
    socket.destroy();
    throw error;
  }
  socket.setTimeout(0);
  return socket;
}

/** Asks the worker's own proxy for a tunnel to the address this proxy checked. */
async function connectThrough(socket: net.Socket, host: string, port: number, via: URL): Promise<void> {
  const authority = formatTarget({ host, port });
  const auth = authHeader(via)['proxy-authorization'];
  socket.write(
    `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth ? `Proxy-Authorization: ${auth}\r\n` : ''}\r\n`,
  );
  let received = Buffer.alloc(0);
  while (!received.includes('\r\n\r\n')) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    received = Buffer.concat([received, chunk]);
    if (received.length > 16_384) throw new Error('the upstream proxy sent an oversized answer');
  }
  const end = received.indexOf('\r\n\r\n') + 4;
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(received.toString('latin1'))?.[1];
  if (status !== '200') throw new Error(`the worker's proxy ${via.host} answered ${status ?? 'something else'}`);
  if (end < received.length) socket.unshift(received.subarray(end));
}

function splice(a: Duplex, b: Duplex): void {
  const close = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', close).on('close', close);
  b.on('error', close).on('close', close);
  a.pipe(b);
  b.pipe(a);
}

function reject(client: Duplex, status: number, message: string): void {
  client.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: text/plain\r\nConnection: close\r\n` +
      `Content-Length: ${Buffer.byteLength(message) + 1}\r\n\r\n${message}\n`,
  );
}

function respond(res: http.ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' }).end(`${message}\n`);
}

function parseAuthority(authority: string): Target | undefined {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(authority);
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port < 1 || port > 65_535) return undefined;
  return { host: (match[1] ?? match[2]!).toLowerCase(), port };
}

function formatTarget(target: Target): string {
  return `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
}

/** The user name of the client's Proxy-Authorization: the attempt the request came from. */
function proxyUser(req: http.IncomingMessage): string | undefined {
  const header = req.headers['proxy-authorization'];
  const basic = typeof header === 'string' ? /^Basic\s+(\S+)$/i.exec(header)?.[1] : undefined;
  if (!basic) return undefined;
  return Buffer.from(basic, 'base64').toString('utf8').split(':')[0] || undefined;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function withoutHopByHop(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const listed = String(headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase());
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name) && !listed.includes(name)),
  );
}

function authHeader(via: URL): Record<string, string> {
  if (!via.username) return {};
  const credentials = `${decodeURIComponent(via.username)}:${decodeURIComponent(via.password)}`;
  return { 'proxy-authorization': `Basic ${Buffer.from(credentials).toString('base64')}` };
}

function errorText(error: unknown): string {
  return error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
}
