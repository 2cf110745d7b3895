/**
 * One lock per repository around everything that changes its refs or its worktree registry (adds,
 * removes, merges): within this process a promise chain, across processes a lock file in the
 * repository's common git dir (shared by all its worktrees), taken over when its holder has died.
 * Re-entrant within one async call chain, so a locked step may call another locked step.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs/promises';
import path from 'node:path';
import { withFileLock } from '../../src/util/file-lock.js';
import { GitConfigError } from './errors.js';
import { commonDirOf, openGit } from './git.js';

export const REPO_LOCK_FILE = 'todone.lock';

const held = new AsyncLocalStorage<ReadonlySet<string>>();
const commonDirs = new Map<string, Promise<string>>();

/** The real path of the repository's common git dir: the same for the repo and all its worktrees. */
export async function repoKey(repo: string): Promise<string> {
  const resolved = path.resolve(repo);
  let known = commonDirs.get(resolved);
  if (!known) {
    known = (async () => {
      try {
        await fs.access(resolved);
      } catch {
        throw new GitConfigError(`the repository ${resolved} does not exist`);
      }
      const dir = await commonDirOf(openGit(resolved)).catch(() => {
        throw new GitConfigError(`${resolved} is not a git repository`);
      });
      return fs.realpath(dir);
    })();
    commonDirs.set(resolved, known);
    // A failed lookup (the folder may become a repository later) must not be cached.
    known.catch(() => commonDirs.delete(resolved));
  }
  return known;
}

export interface RepoLockOptions {
  /** How long to wait for another process's turn (default 10 minutes: merges queue behind each other). */
  timeoutMs?: number;
}

export async function withRepoLock<T>(repo: string, fn: () => Promise<T>, options: RepoLockOptions = {}): Promise<T> {
  const key = await repoKey(repo);
  const mine = held.getStore();
  if (mine?.has(key)) return fn();
  const lockFile = path.join(key, REPO_LOCK_FILE);
  return withFileLock(lockFile, () => held.run(new Set([...(mine ?? []), key]), fn), {
    timeoutMs: options.timeoutMs ?? 10 * 60_000,
    onTimeout: (owner) =>
      new Error(
        `Timed out waiting for the repository lock ${lockFile} (held by pid ${owner.pid ?? 'unknown'}). ` +
          `If no todone is working on this repository, delete the file.`,
      ),
  });
}
