/**
 * The proxies the worker itself goes out through, read from its environment the way curl and npm
 * read them: HTTPS_PROXY for tunnels, HTTP_PROXY for plain requests (each also in lower case), and
 * NO_PROXY's hosts and domain suffixes reached directly. Todone's proxy chains to them, so tasks on a
 * machine behind a corporate proxy still reach their registries.
 */

export interface UpstreamProxies {
  https?: URL;
  http?: URL;
  /** Lower-case host names or domain suffixes (`.example.com` or `example.com`), `*` for all. */
  noProxy: string[];
}

export function upstreamProxies(env: NodeJS.ProcessEnv): UpstreamProxies | undefined {
  const read = (...names: string[]) => {
    for (const name of names) {
      const value = env[name]?.trim();
      if (!value) continue;
      try {
        return new URL(value.includes('://') ? value : `http://${value}`);
      } catch {
        return undefined;
      }
    }
    return undefined;
  };
  const https = read('HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'HTTP_PROXY', 'http_proxy');
  const http = read('HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy');
  if (!https && !http) return undefined;
  const noProxy = (env.NO_PROXY ?? env.no_proxy ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase().replace(/:\d+$/, ''))
    .filter(Boolean);
  return { ...(https ? { https } : {}), ...(http ? { http } : {}), noProxy };
}

/** The proxy to reach `host` through, or undefined to connect directly. */
export function upstreamFor(
  upstreams: UpstreamProxies | undefined,
  host: string,
  kind: 'http' | 'https',
): URL | undefined {
  const proxy = upstreams?.[kind];
  // A proxy spoken to over TLS is not supported: such tunnels go direct.
  if (!upstreams || !proxy || proxy.protocol !== 'http:') return undefined;
  const name = host.toLowerCase();
  const bypassed = upstreams.noProxy.some((entry) => {
    if (entry === '*') return true;
    const suffix = entry.startsWith('.') ? entry : `.${entry}`;
    return name === entry.replace(/^\./, '') || name.endsWith(suffix);
  });
  return bypassed ? undefined : proxy;
}
