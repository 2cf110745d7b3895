/**
 * The worker's filtered networks: one namespace per distinct allow list, made when the first task
 * under it starts and kept for the worker's life (its descriptors close with the process). In each,
 * Todone's proxy listens on a port of the namespace's loopback, and every allowed loopback service
 * (`127.0.0.1:4000`, `localhost:4000`) is forwarded on its own port, so a client that talks to it
 * directly, without a proxy, still reaches it.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import type { AllowEntry } from '../../src/core/network-policy.js';
import { formatAllowEntry } from '../../src/core/network-policy.js';
import { parseAllowList } from './address-policy.js';
import { createFilteringProxy } from './filtering-proxy.js';
import { openNetworkNamespace, type Listener, type NetworkNamespace } from './network-namespace.js';
import { upstreamProxies, type UpstreamProxies } from './upstream.js';

export interface FilteredNetwork {
  /** util-linux's nsenter, and its arguments that put a command inside the namespace. */
  nsenter: string;
  enter: readonly string[];
  /** The variables that point a task's clients at the proxy (with this attempt's token in the URL). */
  env: Record<string, string>;
  /** What the proxy refused this attempt, one line each (the first few). */
  refusals(): readonly string[];
  /** Stops attributing refusals to this attempt. */
  release(): void;
}

const MAX_REFUSALS = 20;

interface Opened {
  namespace: NetworkNamespace;
  proxyPort: number;
}

const opened = new Map<string, Promise<Opened>>();
const attempts = new Map<string, string[]>();

/**
 * Joins (opening it the first time) the filtered network for `allow`, chained to the proxies the
 * worker's environment names.
 */
export async function joinFilteredNetwork(
  allow: readonly string[],
  tools: { bwrap: string; nsenter: string },
  workerEnv: NodeJS.ProcessEnv = process.env,
): Promise<FilteredNetwork> {
  const entries = parseAllowList(allow);
  const upstream = upstreamProxies(workerEnv);
  const key = JSON.stringify([entries.map(formatAllowEntry).sort(), upstream ?? null]);
  let pending = opened.get(key);
  if (!pending) {
    pending = open(entries, tools, upstream);
    opened.set(key, pending);
    // A failure is said to the task that met it; the next task tries again.
    pending.catch(() => opened.delete(key));
  }
  const { namespace, proxyPort } = await pending;
  const token = randomBytes(9).toString('base64url');
  const refusals: string[] = [];
  attempts.set(token, refusals);
  const proxy = `http://${token}@127.0.0.1:${proxyPort}`;
  const local = 'localhost,127.0.0.1,::1';
  return {
    nsenter: tools.nsenter,
    enter: namespace.enter,
    env: {
      HTTP_PROXY: proxy,
      HTTPS_PROXY: proxy,
      ALL_PROXY: proxy,
      http_proxy: proxy,
      https_proxy: proxy,
      all_proxy: proxy,
      // The namespace's own loopback is the task's: its test servers, and the forwarded services.
      NO_PROXY: local,
      no_proxy: local,
    },
    refusals: () => refusals,
    release: () => attempts.delete(token),
  };
}

async function open(
  entries: AllowEntry[],
  tools: { bwrap: string; nsenter: string },
  upstream: UpstreamProxies | undefined,
): Promise<Opened> {
  const forwards = loopbackForwards(entries);
  const listeners: Listener[] = [...forwards.map((f) => f.listen), { host: '127.0.0.1', port: 0 }];
  const proxy = createFilteringProxy({
    allow: entries,
    ...(upstream ? { upstream } : {}),
    onRefused: ({ token, target, reason }) => {
      const list = token ? attempts.get(token) : undefined;
      const line = `${target} (${reason})`;
      if (list && list.length < MAX_REFUSALS && !list.includes(line)) list.push(line);
    },
  });
  const namespace = await openNetworkNamespace({
    ...tools,
    listeners,
    onConnection: (index, socket) => {
      const forward = forwards[index];
      if (!forward) return proxy.handle(socket);
      socket.on('error', () => socket.destroy());
      const upstream = net.connect({ host: forward.to.host, port: forward.to.port });
      const close = () => {
        socket.destroy();
        upstream.destroy();
      };
      upstream.on('error', close).on('close', close);
      socket.on('close', close);
      socket.pipe(upstream).pipe(socket);
    },
  });
  return { namespace, proxyPort: namespace.ports.at(-1)! };
}

/**
 * Where each allowed loopback service listens inside the namespace: `localhost` on both loopbacks
 * (clients pick either), an address on itself.
 */
function loopbackForwards(entries: readonly AllowEntry[]): { listen: Listener; to: { host: string; port: number } }[] {
  const seen = new Set<string>();
  const out: { listen: Listener; to: { host: string; port: number } }[] = [];
  for (const entry of entries) {
    if (!entry.loopback || entry.port === undefined) continue;
    const port = entry.port;
    const hosts = net.isIP(entry.host) ? [entry.host] : ['127.0.0.1', '::1'];
    for (const host of hosts) {
      const key = `${host} ${port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ listen: { host, port }, to: { host: net.isIP(entry.host) ? entry.host : 'localhost', port } });
    }
  }
  return out;
}
