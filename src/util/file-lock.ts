/**
 * An exclusive lock held by one process at a time, as a file created with `wx` (atomic) holding the
 * holder's pid. Within one process callers queue on a promise chain first, so the file is only ever
 * contended between processes, and a file naming our own pid can only be a leftover.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isGone, processStartTime } from './processes.js';

export interface LockOwner {
  pid?: number;
  /** Milliseconds since the lock file was last written or refreshed. */
  ageMs: number;
}

export interface FileLockOptions {
  /** How long to wait for another process before giving up (default 60 s). */
  timeoutMs?: number;
  /** Pause between attempts while another process holds the lock (default 100 ms). */
  pollMs?: number;
  /**
   * A lock older than this is stale whatever its pid says. The holder refreshes the file's mtime
   * meanwhile, so only a holder that stopped running (or a frozen machine) ever reaches it.
   */
  staleAfterMs?: number;
  /** The error thrown on timeout; the default names the file and the holder's pid. */
  onTimeout?: (owner: LockOwner, file: string) => Error;
}

/** An empty or garbled lock file is one being written right now, unless its writer died first. */
const UNWRITTEN_GRACE_MS = 5_000;

const queues = new Map<string, Promise<void>>();

export async function withFileLock<T>(file: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const key = path.resolve(file);
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  return inProcessTurn(key, async () => {
    const token = await acquire(key, deadline, options);
    const refresher = options.staleAfterMs ? startRefreshing(key, options.staleAfterMs) : undefined;
    try {
      return await fn();
    } finally {
      if (refresher) clearInterval(refresher);
      await releaseIfOurs(key, token);
    }
  });
}

async function inProcessTurn<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  const tail = previous.then(() => mine);
  queues.set(key, tail);
  await previous;
  try {
    return await fn();
  } finally {
    done();
    if (queues.get(key) === tail) queues.delete(key);
  }
}

async function acquire(file: string, deadline: number, options: FileLockOptions): Promise<string> {
  const token = ownerToken();
  for (;;) {
    if (await tryCreate(file, token)) return token;
    const seen = await readOwner(file);
    // Gone between our create and our read: try again at once.
    if (seen === undefined) continue;
    if (isStale(seen, options)) {
      await removeIfUnchanged(file, seen.text);
      continue;
    }
    if (Date.now() >= deadline) {
      const owner: LockOwner = { ageMs: seen.ageMs, ...(seen.pid !== undefined ? { pid: seen.pid } : {}) };
      throw options.onTimeout?.(owner, file) ?? defaultTimeoutError(owner, file);
    }
    await sleep(options.pollMs ?? 100);
  }
}

async function tryCreate(file: string, token: string): Promise<boolean> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(token);
  } finally {
    await handle.close();
  }
  return true;
}

interface SeenOwner {
  text: string;
  pid?: number;
  startTime?: number;
  ageMs: number;
}

async function readOwner(file: string): Promise<SeenOwner | undefined> {
  try {
    const [text, stat] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
    const [pid, startTime] = text.split('\n').map((line) => (/^\d+$/.test(line.trim()) ? Number(line) : undefined));
    return {
      text,
      ageMs: Date.now() - stat.mtimeMs,
      ...(pid !== undefined ? { pid } : {}),
      ...(startTime !== undefined ? { startTime } : {}),
    };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function isStale(owner: SeenOwner, options: FileLockOptions): boolean {
  if (options.staleAfterMs !== undefined && owner.ageMs > options.staleAfterMs) return true;
  if (owner.pid === undefined) return owner.ageMs > UNWRITTEN_GRACE_MS;
  // Our own turn in the in-process queue is exclusive, so a file naming us was left by an earlier turn.
  if (owner.pid === process.pid) return true;
  // A live pid may have been reused by an unrelated process since the holder died (e.g. after a reboot).
  return isGone(owner.pid, owner.startTime);
}

/**
 * Two processes may judge the same lock stale; re-reading just before removing keeps the second one
 * from deleting the lock the first has just taken (the window left is a few microseconds).
 */
async function removeIfUnchanged(file: string, text: string): Promise<void> {
  const now = await readOwner(file);
  if (now?.text === text) await fs.rm(file, { force: true });
}

async function releaseIfOurs(file: string, token: string): Promise<void> {
  const now = await readOwner(file).catch(() => undefined);
  if (now?.text === token) await fs.rm(file, { force: true });
}

function startRefreshing(file: string, staleAfterMs: number): NodeJS.Timeout {
  const timer = setInterval(
    () => {
      const now = new Date();
      fs.utimes(file, now, now).catch(() => undefined);
    },
    Math.max(1_000, Math.floor(staleAfterMs / 3)),
  );
  timer.unref();
  return timer;
}

function ownerToken(): string {
  return `${process.pid}\n${processStartTime(process.pid) ?? ''}\n`;
}

function defaultTimeoutError(owner: LockOwner, file: string): Error {
  return new Error(
    `Timed out waiting for the lock ${file}, held by pid ${owner.pid ?? 'unknown'}. ` +
      `If that process is not running, delete the file and try again.`,
  );
}
