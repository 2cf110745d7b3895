/**
 * The repository's worktree registry as git sees it (`git worktree list --porcelain`), whether one
 * of our worktrees is usable, and how to forget one completely. A crash can leave every in-between
 * state: a folder git does not know, a registration whose folder is gone, a registration still
 * locked "initializing" by an add that never finished. Only ever applied to paths under a board's
 * worktree root: the user's own worktrees are looked at, never changed.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { GitConfigError } from './errors.js';
import type { Git } from './git.js';
import { exists, isInside, realpathLoose } from './paths.js';

export interface WorktreeEntry {
  path: string;
  realPath: string;
  main: boolean;
  head?: string;
  /** Full ref name (`refs/heads/...`) of the checked-out branch; absent when detached. */
  branch?: string;
  locked?: string;
  prunable?: string;
}

/** Written into the private git dir of every worktree Todone makes, naming the board that owns it. */
export const OWNER_FILE = 'todone-board';

export async function listWorktrees(repo: Git): Promise<WorktreeEntry[]> {
  const out = await repo.raw(['worktree', 'list', '--porcelain']);
  const entries: WorktreeEntry[] = [];
  let current: WorktreeEntry | undefined;
  for (const line of out.split('\n')) {
    const space = line.indexOf(' ');
    const key = space === -1 ? line : line.slice(0, space);
    const value = space === -1 ? '' : line.slice(space + 1);
    if (key === 'worktree') {
      current = { path: value, realPath: await realpathLoose(value), main: entries.length === 0 };
      entries.push(current);
    } else if (!current || key === '') {
      continue;
    } else if (key === 'HEAD') current.head = value;
    else if (key === 'branch') current.branch = value;
    else if (key === 'locked') current.locked = value;
    else if (key === 'prunable') current.prunable = value;
  }
  return entries;
}

export async function findByPath(entries: WorktreeEntry[], wtPath: string): Promise<WorktreeEntry | undefined> {
  const real = await realpathLoose(wtPath);
  return entries.find((e) => e.realPath === real);
}

export type WorktreeState = 'healthy' | 'broken' | 'absent';

/**
 * `healthy`: registered here, folder present, its `.git` leads back to this repository and HEAD
 * resolves; what is inside may still be dirty or half checked out (a reset repairs that).
 * `broken`: anything else that exists. `absent`: neither folder nor registration.
 */
export async function inspectWorktree(
  repo: Git,
  wtPath: string,
  entries: WorktreeEntry[],
  commonDir: string,
): Promise<WorktreeState> {
  const entry = await findByPath(entries, wtPath);
  const folder = await exists(wtPath);
  if (!entry) return folder ? 'broken' : 'absent';
  if (!folder || entry.prunable !== undefined || entry.locked !== undefined) return 'broken';
  const r = await repo.at(wtPath).run(['rev-parse', '--git-common-dir', '--verify', 'HEAD'], { ok: [1, 128] });
  if (r.exitCode !== 0) return 'broken';
  const [common = ''] = r.stdout.split('\n');
  return (await realpathLoose(path.resolve(wtPath, common.trim()))) === commonDir ? 'healthy' : 'broken';
}

/**
 * Removes the worktree at `wtPath` whatever state it is in: through git when git can, then any
 * registration still pointing at the folder, then the folder. The branch it had stays.
 */
export async function forgetWorktree(repo: Git, wtPath: string, commonDir: string, root: string): Promise<void> {
  const real = await realpathLoose(wtPath);
  if (!isInside(await realpathLoose(root), real)) {
    throw new Error(`refusing to remove ${wtPath}: it is not under the board's worktree root ${root}`);
  }
  await repo.run(['worktree', 'remove', '--force', '--force', wtPath], { ok: [1, 128] });
  for (const admin of await adminDirsFor(commonDir, wtPath)) await fs.rm(admin, { recursive: true, force: true });
  await fs.rm(wtPath, { recursive: true, force: true });
}

/** Where removed worktree folders wait to be deleted, outside the repository lock. */
export const TRASH = '.trash';

/**
 * Unregisters the worktree at `wtPath` and moves its folder into the root's trash, returning the
 * new path for the caller to delete after releasing the lock. Falls back to deleting in place.
 */
export async function unregisterToTrash(
  repo: Git,
  wtPath: string,
  commonDir: string,
  root: string,
): Promise<string | undefined> {
  const trash = path.join(root, TRASH, `${path.basename(wtPath)}-${process.pid}-${Date.now().toString(36)}`);
  const admins = await adminDirsFor(commonDir, wtPath);
  try {
    await fs.mkdir(path.dirname(trash), { recursive: true });
    await fs.rename(wtPath, trash);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      for (const admin of admins) await fs.rm(admin, { recursive: true, force: true });
      return undefined;
    }
    await forgetWorktree(repo, wtPath, commonDir, root);
    return undefined;
  }
  for (const admin of admins) await fs.rm(admin, { recursive: true, force: true });
  return trash;
}

/** Drops a registration (and, through git, its folder when there is one) without the root check: for sweeps. */
export async function removeRegistration(repo: Git, entry: WorktreeEntry, commonDir: string): Promise<void> {
  await repo.run(['worktree', 'remove', '--force', '--force', entry.path], { ok: [1, 128] });
  for (const admin of await adminDirsFor(commonDir, entry.path)) await fs.rm(admin, { recursive: true, force: true });
}

/** The private git dirs (`<common>/worktrees/<name>`) whose registration points at `wtPath`. */
async function adminDirsFor(commonDir: string, wtPath: string): Promise<string[]> {
  const real = await realpathLoose(wtPath);
  const admin = path.join(commonDir, 'worktrees');
  const found: string[] = [];
  for (const name of await fs.readdir(admin).catch(() => [] as string[])) {
    const gitdir = await fs.readFile(path.join(admin, name, 'gitdir'), 'utf8').catch(() => undefined);
    if (gitdir === undefined) continue;
    const target = path.dirname(path.resolve(admin, name, gitdir.trim()));
    if ((await realpathLoose(target)) === real) found.push(path.join(admin, name));
  }
  return found;
}

/** The board that made this worktree, from the mark in its private git dir; undefined if unmarked. */
export async function ownerOf(entry: WorktreeEntry, commonDir: string): Promise<string | undefined> {
  for (const admin of await adminDirsFor(commonDir, entry.path)) {
    const owner = await fs.readFile(path.join(admin, OWNER_FILE), 'utf8').catch(() => undefined);
    if (owner !== undefined) return owner.trim();
  }
  return undefined;
}

/** Records which board made the worktree at `wt.dir`, for sweeps that find it orphaned later. */
export async function markOwned(worktreeGitDir: string, boardId: string): Promise<void> {
  await fs.writeFile(path.join(worktreeGitDir, OWNER_FILE), `${boardId}\n`);
}

/** The user's worktrees (anything not under `root`) must not contain the root: tasks would write into them. */
export async function assertRootOutsideCheckouts(entries: WorktreeEntry[], root: string): Promise<void> {
  const realRoot = await realpathLoose(root);
  for (const e of entries) {
    if (isInside(realRoot, e.realPath)) continue;
    if (isInside(e.realPath, realRoot)) {
      throw new GitConfigError(
        `the worktree root ${root} is inside the checkout ${e.path}: choose a folder outside it, ` +
          `so task worktrees never appear in your working tree`,
      );
    }
  }
}

/**
 * Frees `branch` for the worktree at `wantedPath`: git checks a branch out in one worktree only. A
 * worktree of ours holding it (a crashed earlier attempt, another pool slot) lets it go; a user's
 * worktree holding it is the user's to change, so that is an error saying so. True if it changed anything.
 */
export async function releaseBranchElsewhere(
  repo: Git,
  entries: WorktreeEntry[],
  branch: string,
  wantedPath: string,
  commonDir: string,
  root: string,
): Promise<boolean> {
  const ref = `refs/heads/${branch}`;
  let changed = false;
  const realWanted = await realpathLoose(wantedPath);
  const realRoot = await realpathLoose(root);
  for (const e of entries) {
    if (e.branch !== ref || e.realPath === realWanted) continue;
    if (e.main || !isInside(realRoot, e.realPath)) {
      throw new GitConfigError(
        `the branch ${branch} is checked out in ${e.path}: switch that checkout to another branch so Todone can use it`,
      );
    }
    if (e.prunable !== undefined || e.locked !== undefined || !(await exists(e.path))) {
      await forgetWorktree(repo, e.path, commonDir, root);
    } else {
      await repo.at(e.path).api((g) => g.checkout(['--detach']));
    }
    changed = true;
  }
  return changed;
}
