/**
 * Removing what a board left in a repository: `todone clean <board>` and the worker's start-up sweep.
 * Only worktrees under the board's worktree root, and only branches under `todone/<board>/`, are
 * ever touched; a branch still checked out somewhere (the user may be looking at one) is kept.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { openGit } from './git.js';
import { boardBranchPrefix, integrationBranch, integrationWorktreePath } from './names.js';
import { isInside, realpathLoose } from './paths.js';
import { forgetWorktree, listWorktrees, ownerOf, removeRegistration, TRASH, type WorktreeEntry } from './registry.js';
import { repoKey, withRepoLock } from './repo-lock.js';
import type { BoardGitConfig } from './types.js';
import { boardOnlySchema, checkInput } from './validate.js';

export interface CleanResult {
  removedWorktrees: string[];
  deletedBranches: string[];
}

/** The board's worktrees and task branches; with `all`, its integration branch and worktree too. */
export async function cleanBoard(input: {
  git: BoardGitConfig;
  boardId: string;
  all?: boolean;
  except?: string[];
}): Promise<CleanResult> {
  checkInput(boardOnlySchema, input, 'cleanBoard');
  const { git: config, boardId } = input;
  const all = input.all ?? false;
  const repo = openGit(config.repo);
  const root = config.worktreeRoot;

  return withRepoLock(config.repo, async () => {
    const commonDir = await repoKey(config.repo);
    const realRoot = await realpathLoose(root);
    const integrationPath = await realpathLoose(integrationWorktreePath(root));
    // Worktrees kept for inspection (failed, conflicted) survive a sweep, and so do their branches.
    const spared = new Set(await Promise.all((input.except ?? []).map((p) => realpathLoose(p))));
    const removedWorktrees: string[] = [];
    for (const entry of await listWorktrees(repo)) {
      if (entry.main || !isInside(realRoot, entry.realPath)) continue;
      if (!all && entry.realPath === integrationPath) continue;
      if (spared.has(entry.realPath)) continue;
      // A root shared with another board (by configuration) must not cost that board its worktrees.
      const owner = await ownerOf(entry, commonDir);
      if (owner !== undefined && owner !== boardId) continue;
      await forgetWorktree(repo, entry.path, commonDir, root);
      removedWorktrees.push(entry.path);
    }
    await removeLeftoverFolders(repo, root, all);

    const prefix = `refs/heads/${boardBranchPrefix(boardId)}`;
    const integrationRef = `refs/heads/${integrationBranch(boardId)}`;
    const checkedOut = new Set(
      (await listWorktrees(repo)).map((e) => e.branch).filter((b): b is string => b !== undefined),
    );
    const refs = (await repo.raw(['for-each-ref', '--format=%(refname)', prefix])).split('\n').filter(Boolean);
    const doomed = refs.filter((ref) => (all || ref !== integrationRef) && !checkedOut.has(ref));
    if (doomed.length > 0) {
      // update-ref, not `branch -D`: deleting a branch rewrites .git/config, which others may be writing too.
      await repo.raw(['update-ref', '--stdin'], { input: doomed.map((ref) => `delete ${ref}\n`).join('') });
    }
    return { removedWorktrees, deletedBranches: doomed.map((ref) => ref.slice('refs/heads/'.length)) };
  });
}

/** Folders a crash left under the root that git does not know (it forgets nothing it registered). */
async function removeLeftoverFolders(repo: ReturnType<typeof openGit>, root: string, all: boolean): Promise<void> {
  const registered = new Set((await listWorktrees(repo)).map((e) => e.realPath));
  for (const group of ['tasks', 'pool', TRASH]) {
    const dir = path.join(root, group);
    for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
      const folder = path.join(dir, name);
      if (!registered.has(await realpathLoose(folder))) await fs.rm(folder, { recursive: true, force: true });
    }
    await fs.rmdir(dir).catch(() => undefined);
  }
  if (all) {
    const integration = integrationWorktreePath(root);
    if (!registered.has(await realpathLoose(integration))) await fs.rm(integration, { recursive: true, force: true });
    await fs.rmdir(root).catch(() => undefined);
  }
}

export interface SweepResult {
  /** Registrations removed: Todone worktrees whose folder is gone, or whose creation never finished. */
  removed: string[];
}

/**
 * For the worker's start-up: forgets Todone worktree registrations left by a crash, which would
 * otherwise keep their branches "checked out" and block the next attempt. Folders that still hold a
 * complete worktree are left alone (a kept worktree is there to be inspected); `cleanBoard` removes those.
 */
export async function sweepOrphans(input: { repo: string }): Promise<SweepResult> {
  const repo = openGit(input.repo);
  return withRepoLock(input.repo, async () => {
    const commonDir = await repoKey(input.repo);
    const removed: string[] = [];
    for (const entry of await listWorktrees(repo)) {
      if (entry.main || !(await isTodoneWorktree(entry, commonDir))) continue;
      const gone =
        entry.prunable !== undefined ||
        !(await fs.lstat(entry.path).then(
          () => true,
          () => false,
        ));
      // Only an add that died leaves this lock: Todone never locks worktrees, and no add of ours runs while we hold the repo lock.
      const unfinished = entry.locked !== undefined && entry.locked.startsWith('initializing');
      if (!gone && !unfinished) continue;
      await removeRegistration(repo, entry, commonDir);
      removed.push(entry.path);
    }
    return { removed };
  });
}

async function isTodoneWorktree(entry: WorktreeEntry, commonDir: string): Promise<boolean> {
  return entry.branch?.startsWith('refs/heads/todone/') === true || (await ownerOf(entry, commonDir)) !== undefined;
}
