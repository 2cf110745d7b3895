/**
 * Local services a confined task must not reach through the filesystem: Unix sockets are not cut by
 * a network namespace. The user's runtime folder (its D-Bus session, ssh and gpg agents, a rootless
 * Podman), the container engines' sockets (root on the machine, in effect), the system bus and
 * systemd's own socket, and the usual database socket folders are hidden: folders under an empty
 * one, sockets under an empty file. Other sockets elsewhere stay reachable (security.md says so).
 */
import fs from 'node:fs/promises';

const FOLDERS = [
  // process.getuid, not os.userInfo: a container's user may have no passwd entry, where that throws.
  `/run/user/${process.getuid?.() ?? 0}`,
  '/run/docker',
  '/run/containerd',
  '/run/podman',
  '/run/buildkit',
  '/run/postgresql',
  '/var/run/postgresql',
  '/run/mysqld',
  '/var/run/mysqld',
];

const SOCKETS = [
  '/run/docker.sock',
  '/var/run/docker.sock',
  '/run/podman/podman.sock',
  '/run/dbus/system_bus_socket',
  '/var/run/dbus/system_bus_socket',
  '/run/systemd/private',
];

/** Services come and go rarely; checking costs a few syscalls, so at most every few seconds. */
const TTL_MS = 10_000;
let cached: { at: number; found: Promise<HostServices> } | undefined;

export interface HostServices {
  /** Existing folders, resolved (a /var/run link counts once). */
  folders: string[];
  /** Existing sockets outside those folders, resolved. */
  sockets: string[];
}

export function hostServices(): Promise<HostServices> {
  const now = Date.now();
  if (!cached || now - cached.at > TTL_MS) cached = { at: now, found: find() };
  return cached.found;
}

async function find(): Promise<HostServices> {
  const real = async (candidates: string[]) =>
    [...new Set(await Promise.all(candidates.map((p) => fs.realpath(p).catch(() => undefined))))].filter(
      (p): p is string => p !== undefined,
    );
  const folders = await real(FOLDERS);
  const sockets = (await real(SOCKETS)).filter((socket) => !folders.some((folder) => socket.startsWith(`${folder}/`)));
  return { folders, sockets };
}
