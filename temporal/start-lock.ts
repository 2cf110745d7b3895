import { SetupError } from '../src/errors.js';
import { withFileLock } from '../src/util/file-lock.js';

/** A lock older than this is stale whatever its pid says (the pid may have been reused). */
const MAX_LOCK_AGE_MS = 3 * 60_000;

/**
 * Runs `fn` holding an exclusive lock file, so two `todone run` started together do not start two
 * servers on one database. A lock whose owner died is taken over.
 */
export async function withStartLock<T>(lockFile: string, fn: () => Promise<T>, timeoutMs = 90_000): Promise<T> {
  return withFileLock(lockFile, fn, {
    timeoutMs,
    pollMs: 200,
    staleAfterMs: MAX_LOCK_AGE_MS,
    onTimeout: (owner) =>
      new SetupError(
        `Another process (pid ${owner.pid ?? 'unknown'}) has been starting the Temporal dev server for too long. ` +
          `If no todone is running, delete ${lockFile} and try again.`,
      ),
  });
}
