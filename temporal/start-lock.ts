import fs from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { SetupError } from '../src/errors.js';
import { isRunning } from './processes.js';

/** A lock older than this is stale whatever its pid says (the pid may have been reused). */
const MAX_LOCK_AGE_MS = 3 * 60_000;

/**
 * Runs `fn` holding an exclusive lock file, so two `todone run` started together do not start two
 * servers on one database. `wx` makes creation atomic; a lock whose owner died is taken over.
 */
export async function withStartLock<T>(lockFile: string, fn: () => Promise<T>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(lockFile, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (handle) {
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      try {
        return await fn();
      } finally {
        await fs.rm(lockFile, { force: true });
      }
    }
    const owner = await lockOwner(lockFile);
    if (owner.stale) {
      await fs.rm(lockFile, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new SetupError(
        `Another process (pid ${owner.pid ?? 'unknown'}) has been starting the Temporal dev server for too long. ` +
          `If no todone is running, delete ${lockFile} and try again.`,
      );
    }
    await sleep(200);
  }
}

async function lockOwner(lockFile: string): Promise<{ pid?: number; stale: boolean }> {
  try {
    const [text, stat] = await Promise.all([fs.readFile(lockFile, 'utf8'), fs.stat(lockFile)]);
    const pid = Number.parseInt(text.trim(), 10);
    const age = Date.now() - stat.mtimeMs;
    if (age > MAX_LOCK_AGE_MS) return { pid, stale: true };
    // An empty file is a lock being written right now, unless its writer died before writing.
    if (!Number.isInteger(pid)) return { stale: age > 5_000 };
    return { pid, stale: !isRunning(pid) };
  } catch {
    // Gone between our open and our read: try again at once.
    return { stale: false };
  }
}
