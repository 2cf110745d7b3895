/**
 * A task's worktree: its own folder on its own branch (`todone/<board>/<task>`), at the commit the
 * task starts from, clean. Either dedicated (created per task, removed after) or a pool slot (made
 * once, switched from task to task, so a large repository is not checked out again for each).
 * Every step is safe to run again after a crash at any point: what is there is reused or repaired.
 */
import { CleanOptions, ResetMode } from 'simple-git';
import fs from 'node:fs/promises';
import path from 'node:path';
import { crashPoint } from './crash-point.js';
import { placeExtras } from './extras.js';
import {
  abandonOperations,
  branchSha,
  clearStaleIndexLock,
  gitDirOf,
  openGit,
  revParse,
  tryRevParse,
  worktreeStatus,
  type Git,
} from './git.js';
import { GitConfigError } from './errors.js';
import { poolSlotPath, taskBranch, taskWorktreePath } from './names.js';
import {
  assertRootOutsideCheckouts,
  unregisterToTrash,
  findByPath,
  forgetWorktree,
  inspectWorktree,
  listWorktrees,
  markOwned,
  releaseBranchElsewhere,
} from './registry.js';
import { repoKey, withRepoLock } from './repo-lock.js';
import type { BoardGitConfig, PreparedWorktree, PrepareWorktreeInput, ReleaseWorktreeInput } from './types.js';
import { checkInput, boardOnlySchema, prepareWorktreeSchema, releaseSchema } from './validate.js';

export async function prepareWorktree(input: PrepareWorktreeInput): Promise<PreparedWorktree> {
  checkInput(prepareWorktreeSchema, input, 'prepareWorktree');
  const { git: config, boardId, taskId, startSha, poolSlot } = input;
  const branch = taskBranch(boardId, taskId);
  const wtPath =
    poolSlot === undefined
      ? taskWorktreePath(config.worktreeRoot, taskId)
      : poolSlotPath(config.worktreeRoot, poolSlot);
  const repo = openGit(config.repo, config.author ? { author: config.author } : {});
  const worktree = repo.at(wtPath);

  // The lock covers the registry and the refs. Filling a new worktree with files (seconds on a large
  // repository) happens after it, in parallel with other tasks: nothing but this task uses the folder.
  const fresh = await withRepoLock(config.repo, async () => {
    const commonDir = await repoKey(config.repo);
    const start = await tryRevParse(repo, startSha);
    if (!start)
      throw new GitConfigError(`the start commit ${startSha} of task ${taskId} does not exist in ${config.repo}`);
    let entries = await listWorktrees(repo);
    await assertRootOutsideCheckouts(entries, config.worktreeRoot);
    if (await releaseBranchElsewhere(repo, entries, branch, wtPath, commonDir, config.worktreeRoot))
      entries = await listWorktrees(repo);

    const state = await inspectWorktree(repo, wtPath, entries, commonDir);
    if (state === 'healthy') {
      await clearStaleIndexLock(worktree);
      await abandonOperations(worktree);
      // As `reset --hard` does, but also moves HEAD onto the task branch; in a slot that already
      // holds the repository it rewrites only the files that differ, which is the point of the pool.
      await worktree.api((g) => g.checkout(['--force', '--no-track', '-B', branch, start]));
    } else {
      if (state === 'broken') await forgetWorktree(repo, wtPath, commonDir, config.worktreeRoot);
      await fs.mkdir(path.dirname(wtPath), { recursive: true });
      // -B moves a branch a failed attempt left behind; --no-track keeps git away from .git/config.
      await repo.raw(['worktree', 'add', '--no-checkout', '--no-track', '-B', branch, wtPath, start]);
      crashPoint('worktree:after-add');
    }
    await markOwned(await gitDirOf(worktree), boardId);
    return state !== 'healthy';
  });

  if (fresh) {
    // HEAD is at the start commit already: this writes the index and every file.
    await worktree.api((g) => g.reset(ResetMode.HARD));
  } else {
    await cleanIfNeeded(worktree, config.keep);
  }
  crashPoint('worktree:after-reset');
  await placeExtras(worktree, config);
  return { path: wtPath, branch, headSha: await revParse(worktree, 'HEAD') };
}

/**
 * Puts a worktree away. `remove: false` keeps everything for inspection. Otherwise a pool slot is
 * detached, reset and cleaned, ready for the next task, and a dedicated worktree is removed; then
 * the task branch goes (its work is on the integration branch, or was judged not worth keeping).
 */
export async function releaseWorktree(input: ReleaseWorktreeInput): Promise<void> {
  checkInput(releaseSchema, input, 'releaseWorktree');
  if (!input.remove) return;
  const { git: config, boardId, taskId, poolSlot } = input;
  const branch = taskBranch(boardId, taskId);
  const repo = openGit(config.repo, config.author ? { author: config.author } : {});

  const trash = await withRepoLock(config.repo, async () => {
    const commonDir = await repoKey(config.repo);
    let entries = await listWorktrees(repo);
    let moved: string | undefined;
    if (poolSlot !== undefined) {
      const slotPath = poolSlotPath(config.worktreeRoot, poolSlot);
      const entry = await findByPath(entries, slotPath);
      // A slot already handed to another task is that task's now: a late retry must not touch it.
      // For the same reason the slot is cleaned under the lock, before the next task can have it.
      if (entry?.branch === `refs/heads/${branch}`) {
        if ((await inspectWorktree(repo, slotPath, entries, commonDir)) === 'healthy') {
          const slot = repo.at(slotPath);
          await clearStaleIndexLock(slot);
          await abandonOperations(slot);
          // --force discards tracked changes as `reset --hard` would.
          await slot.api((g) => g.checkout(['--force', '--detach']));
          await cleanIfNeeded(slot, config.keep);
        } else {
          await forgetWorktree(repo, slotPath, commonDir, config.worktreeRoot);
        }
      }
    } else {
      const wtPath = taskWorktreePath(config.worktreeRoot, taskId);
      if ((await inspectWorktree(repo, wtPath, entries, commonDir)) !== 'absent') {
        moved = await unregisterToTrash(repo, wtPath, commonDir, config.worktreeRoot);
      }
    }
    entries = await listWorktrees(repo);
    if (!input.keepBranch && !entries.some((e) => e.branch === `refs/heads/${branch}`)) {
      const sha = await branchSha(repo, branch);
      if (sha) await repo.raw(['update-ref', '-m', 'todone: release task worktree', '-d', `refs/heads/${branch}`, sha]);
    }
    return moved;
  });
  // Deleting a large checkout takes a while, and the folder is nobody's any more.
  if (trash) await fs.rm(trash, { recursive: true, force: true });
}

/**
 * Creates the pool's slots ahead of time (detached at `startSha`, default the base), so the first
 * tasks do not pay the checkouts either. Existing healthy slots are left as they are.
 */
export async function initPool(input: { git: BoardGitConfig; boardId: string; startSha?: string }): Promise<string[]> {
  checkInput(boardOnlySchema, input, 'initPool');
  const { git: config } = input;
  const repo = openGit(config.repo, config.author ? { author: config.author } : {});
  return withRepoLock(config.repo, async () => {
    const commonDir = await repoKey(config.repo);
    const start = input.startSha ?? (config.base ? `refs/heads/${config.base}` : 'HEAD');
    const sha = await tryRevParse(repo, start);
    if (!sha)
      throw new GitConfigError(`cannot create the worktree pool: ${start} does not name a commit in ${config.repo}`);
    const entries = await listWorktrees(repo);
    await assertRootOutsideCheckouts(entries, config.worktreeRoot);
    const paths: string[] = [];
    for (let slot = 0; slot < config.poolSize; slot++) {
      const slotPath = poolSlotPath(config.worktreeRoot, slot);
      paths.push(slotPath);
      const state = await inspectWorktree(repo, slotPath, entries, commonDir);
      if (state === 'healthy') continue;
      if (state === 'broken') await forgetWorktree(repo, slotPath, commonDir, config.worktreeRoot);
      await fs.mkdir(path.dirname(slotPath), { recursive: true });
      await repo.raw(['worktree', 'add', '--detach', slotPath, sha]);
      await markOwned(await gitDirOf(repo.at(slotPath)), input.boardId);
    }
    return paths;
  });
}

/** `clean -ffdx` sparing the board's keep patterns (both f's so nested repositories go too), if anything is untracked. */
async function cleanIfNeeded(worktree: Git, keep: readonly string[]): Promise<void> {
  if ((await worktreeStatus(worktree)).untracked === 0) return;
  await worktree.api((g) => g.clean(CleanOptions.FORCE, ['-f', '-d', '-x', ...keep.flatMap((k) => ['-e', k])]));
}
