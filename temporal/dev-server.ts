import fs from 'node:fs/promises';
import {
  devServerPaths,
  markStopped,
  preparePaths,
  readRecord,
  type DevServerInfo,
  type DevServerOptions,
  type DevServerPaths,
} from './dev-server-state.js';
import {
  DEFAULT_START_TIMEOUT_MS,
  findAnswering,
  findOrFetchCli,
  inProcessServer,
  recoverExisting,
  startDetached,
  startInProcess,
  stopInProcessServer,
} from './dev-server-start.js';
import { isRunning, terminate } from '../src/util/processes.js';
import { isDevServerProcess } from './processes.js';
import { ensureSearchAttributes } from './search-attributes.js';
import { withStartLock } from './start-lock.js';

export type { DevServerInfo, DevServerOptions } from './dev-server-state.js';
export { runDevServerForeground } from './dev-server-foreground.js';

/**
 * Returns a running dev server for `dataDir`, starting one if needed. A started server is detached
 * from this process on purpose: it keeps the board's history when `todone run` exits or is killed,
 * and the next run finds it through server.json.
 *
 * Only one server may use a database, so an existing one is reused whatever ports were asked for.
 */
export async function ensureDevServer(opts: DevServerOptions): Promise<DevServerInfo> {
  const server = await startOrReuse(opts);
  // Boards are found by their search attributes; a server from an earlier version lacks them.
  for (const namespace of new Set(['default', ...(opts.namespaces ?? [])]))
    await ensureSearchAttributes(server.address, namespace);
  return server;
}

async function startOrReuse(opts: DevServerOptions): Promise<DevServerInfo> {
  const paths = await preparePaths(opts.dataDir);
  const mine = inProcessServer(paths);
  if (mine) return { ...mine, reused: true };

  const running = await findAnswering(paths);
  if (running) return running;

  const startTimeoutMs = opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  // Fetched before the lock: a first fetch takes longer than another process should wait for it.
  const cli = opts.cliPath ? { path: opts.cliPath } : await findOrFetchCli(opts);
  return withStartLock(paths.lockFile, async () => {
    // Whoever held the lock before us may just have started one.
    const existing = await recoverExisting(paths, startTimeoutMs);
    if (existing) return existing;
    const previous = await readRecord(paths);
    if (!cli.path) return startInProcess(paths, opts, previous, cli.fetchError);
    return startDetached(cli.path, paths, opts, previous, startTimeoutMs);
  });
}

/**
 * Brings back the server `lost` described after it died: same database, same ports, so every
 * connection to the old address (a client's channel, a worker's native connection) finds it again
 * on its next retry. When another process already brought it back, that one is returned.
 */
export async function restartDevServer(lost: DevServerInfo, opts: DevServerOptions): Promise<DevServerInfo> {
  const port = Number(lost.address.slice(lost.address.lastIndexOf(':') + 1));
  const uiPort = Number(new URL(lost.uiUrl).port);
  return ensureDevServer({ ...opts, port: port || undefined, uiPort: uiPort || undefined });
}

/**
 * Stops the server recorded for `dataDir` (SIGTERM, then SIGKILL after 10 s) and waits for it to
 * exit. Returns false when none was running. The database and the recorded ports stay, so the next
 * ensureDevServer brings the same state back on the same address.
 */
export async function stopDevServer(dataDir: string): Promise<boolean> {
  let paths: DevServerPaths;
  try {
    paths = devServerPaths(await fs.realpath(dataDir));
  } catch {
    return false;
  }
  if (await stopInProcessServer(paths)) return true;
  const record = await readRecord(paths);
  if (!record || record.stoppedAt) return false;
  if (record.inProcess || !isDevServerProcess(record.pid, paths.dbFile)) {
    // A server inside another todone process is not ours to kill; a dead pid has nothing to stop.
    if (!isRunning(record.pid)) await markStopped(paths, record.pid);
    return false;
  }
  await terminate(record.pid);
  await markStopped(paths, record.pid);
  return true;
}
