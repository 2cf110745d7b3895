import fs from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../src/util/write-atomic.js';

export interface DevServerInfo {
  /** host:port of the gRPC frontend. */
  address: string;
  uiUrl: string;
  pid: number;
  dbFile: string;
  /** True when an already-running server was found rather than started. */
  reused: boolean;
  logFile: string;
  /**
   * Set for the SDK-download fallback: the server runs inside process `pid` and stops with it, so it
   * does not outlive `todone run` the way the detached CLI server does.
   */
  inProcess?: boolean;
}

export interface DevServerOptions {
  /** State goes under `<dataDir>/temporal/`: dev.db, server.json, server.log. */
  dataDir: string;
  /** Skips locateTemporalCli. */
  cliPath?: string;
  /** Defaults to the last port used for this dataDir, else 7233, else any free port. */
  port?: number;
  /** Defaults to the last UI port used, else 8233 (or port + 1000), else any free port. */
  uiPort?: number;
  env?: NodeJS.ProcessEnv;
  /** Namespaces to create besides "default". */
  namespaces?: string[];
  /** How long a new server may take to answer; 30 s by default. */
  startTimeoutMs?: number;
  /** Told what a person waits for meanwhile (fetching the Temporal CLI on first use). */
  say?: (line: string) => void;
}

/** Where one data directory keeps its embedded server: everything under `<dataDir>/temporal/`. */
export interface DevServerPaths {
  dir: string;
  dbFile: string;
  stateFile: string;
  logFile: string;
  lockFile: string;
}

export function devServerPaths(dataDir: string): DevServerPaths {
  const dir = path.join(path.resolve(dataDir), 'temporal');
  return {
    dir,
    dbFile: path.join(dir, 'dev.db'),
    stateFile: path.join(dir, 'server.json'),
    logFile: path.join(dir, 'server.log'),
    lockFile: path.join(dir, 'start.lock'),
  };
}

/**
 * What server.json remembers. Written right after the spawn (before readiness) so that a todone
 * killed mid-start leaves a trail the next run can follow instead of starting a second server on the
 * same database; `readyAt` is set once the server answered. `stoppedAt` keeps the ports around so a
 * restarted server comes back on the same address.
 */
export interface DevServerRecord {
  pid: number;
  address: string;
  port: number;
  uiPort: number;
  uiUrl: string;
  dbFile: string;
  logFile: string;
  cliPath: string;
  startedAt: string;
  readyAt?: string;
  stoppedAt?: string;
  /** Started by `todone server` in a terminal rather than detached by `todone run`. */
  foreground?: boolean;
  /** The SDK-downloaded fallback: lives inside process `pid` and dies with it. */
  inProcess?: boolean;
}

export async function readRecord(paths: DevServerPaths): Promise<DevServerRecord | undefined> {
  let text: string;
  try {
    text = await fs.readFile(paths.stateFile, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<DevServerRecord>;
    if (typeof parsed.pid !== 'number' || typeof parsed.port !== 'number' || typeof parsed.address !== 'string') {
      return undefined;
    }
    return parsed as DevServerRecord;
  } catch {
    // A torn or hand-edited file is as good as none: the server is found again by starting it.
    return undefined;
  }
}

/** Atomic (write then rename) so a concurrent reader never sees half a file. */
export async function writeRecord(paths: DevServerPaths, record: DevServerRecord): Promise<void> {
  await writeFileAtomic(paths.stateFile, `${JSON.stringify(record, null, 2)}\n`);
}

export async function markStopped(paths: DevServerPaths, pid: number): Promise<void> {
  const record = await readRecord(paths);
  if (!record || record.pid !== pid || record.stoppedAt) return;
  await writeRecord(paths, { ...record, stoppedAt: new Date().toISOString() });
}

/** The last lines of server.log, for error messages. */
export async function logTail(logFile: string, maxLines = 25, maxBytes = 8192): Promise<string> {
  try {
    const handle = await fs.open(logFile, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, maxBytes);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return buffer.toString('utf8').trim().split('\n').slice(-maxLines).join('\n');
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

const MAX_LOG_BYTES = 5 * 1024 * 1024;

/** One previous generation is kept; the log is for diagnosing the current server. */
export async function rotateLog(logFile: string): Promise<void> {
  try {
    const { size } = await fs.stat(logFile);
    if (size > MAX_LOG_BYTES) await fs.rename(logFile, `${logFile}.1`);
  } catch {
    // No log yet.
  }
}

/**
 * The real path, because the process check matches the database path on the server's command line:
 * two spellings of one folder (a symlink, macOS's /tmp) must not look like two servers.
 */
export async function preparePaths(dataDir: string): Promise<DevServerPaths> {
  const { dir } = devServerPaths(dataDir);
  await fs.mkdir(dir, { recursive: true });
  return devServerPaths(path.dirname(await fs.realpath(dir)));
}

export function toInfo(record: DevServerRecord, reused: boolean): DevServerInfo {
  return {
    address: record.address,
    uiUrl: record.uiUrl,
    pid: record.pid,
    dbFile: record.dbFile,
    reused,
    logFile: record.logFile,
    ...(record.inProcess ? { inProcess: true } : {}),
  };
}
