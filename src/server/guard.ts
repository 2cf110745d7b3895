/**
 * What every server Todone runs on a port checks before it acts, so a web page open in the user's
 * browser cannot use it:
 *
 * - `Host` must name this server (127.0.0.1:PORT, localhost:PORT, [::1]:PORT or a configured
 *   name). A page on evil.example whose DNS is rebound to 127.0.0.1 sends `Host: evil.example`.
 * - `Origin`, when a browser sends one, must be an origin the server was told to trust (its own,
 *   the Temporal Web UI's). Browsers send it on every cross-site and every state-changing request.
 * - Actions need the token printed at start-up: `Authorization: Bearer <token>`, or as the first
 *   path segment (`/<token>/decode`) for clients that can only be given a URL (the Web UI's codec
 *   endpoint setting).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const LOOPBACK = '127.0.0.1';

export interface GuardOptions {
  /** The port the server listens on: the Host header must carry it. */
  port: number;
  /** Host names it answers to besides the loopback ones (e.g. the name it is bound to). */
  hostNames?: readonly string[];
  /** Origins (scheme://host:port) allowed to call it from a browser. Its own are always allowed. */
  origins?: readonly string[];
  token: string;
}

export type Verdict = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/** A token worth its name: 256 random bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function allowedHosts(options: Pick<GuardOptions, 'port' | 'hostNames'>): Set<string> {
  const names = ['127.0.0.1', 'localhost', '[::1]', ...(options.hostNames ?? [])];
  return new Set(names.map((name) => `${name.toLowerCase()}:${options.port}`));
}

export function allowedOrigins(options: Pick<GuardOptions, 'port' | 'hostNames' | 'origins'>): Set<string> {
  const own = [...allowedHosts(options)].map((host) => `http://${host}`);
  return new Set([...own, ...(options.origins ?? []).map(normaliseOrigin)]);
}

/** `http://Localhost:8233/` → `http://localhost:8233`: how browsers write an Origin header. */
export function normaliseOrigin(origin: string): string {
  const url = new URL(origin);
  return url.origin;
}

export function checkHost(request: IncomingMessage, options: GuardOptions): Verdict {
  const host = request.headers.host?.toLowerCase();
  if (host && allowedHosts(options).has(host)) return { ok: true };
  return { ok: false, status: 403, reason: `refused: Host ${JSON.stringify(host ?? '')} is not this server` };
}

export function checkOrigin(request: IncomingMessage, options: GuardOptions): Verdict {
  const origin = request.headers.origin;
  // No Origin: not a browser's cross-site request (curl, the Temporal CLI); the token still decides.
  if (origin === undefined) return { ok: true };
  if (allowedOrigins(options).has(origin)) return { ok: true };
  return { ok: false, status: 403, reason: `refused: Origin ${JSON.stringify(origin)} is not allowed` };
}

/** The token the request carries, and the path without it. */
export function splitToken(request: IncomingMessage): { token?: string; path: string } {
  const path = new URL(request.url ?? '/', 'http://x').pathname;
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (bearer) return { token: bearer, path };
  const [, first, rest] = /^\/([^/]+)(\/.*)?$/.exec(path) ?? [];
  // Only a segment that could be a token is taken for one, so `/decode` stays a path.
  if (first && rest && /^[A-Za-z0-9_-]{32,}$/.test(first)) return { token: first, path: rest };
  return { path };
}

export function checkToken(given: string | undefined, options: GuardOptions): Verdict {
  if (given === undefined)
    return { ok: false, status: 401, reason: 'refused: this action needs the token printed when the server started' };
  const a = Buffer.from(given);
  const b = Buffer.from(options.token);
  if (a.length === b.length && timingSafeEqual(a, b)) return { ok: true };
  return { ok: false, status: 401, reason: 'refused: wrong token' };
}

/**
 * Host, Origin, then the token when the request acts. `path` is the request's path with any token
 * segment taken out, for the server's routing.
 */
export function guard(
  request: IncomingMessage,
  options: GuardOptions,
  needs: { token: boolean },
): Verdict & { path: string } {
  const { token, path } = splitToken(request);
  for (const verdict of [
    checkHost(request, options),
    checkOrigin(request, options),
    needs.token ? checkToken(token, options) : { ok: true as const },
  ]) {
    if (!verdict.ok) return { ...verdict, path };
  }
  return { ok: true, path };
}
