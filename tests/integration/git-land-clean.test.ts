/** `land` (fast-forward base, or refuse with a reason) and `cleanBoard` on real repositories. */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanBoard } from '../../activities/git/cleanup.js';
import { commitWork } from '../../activities/git/commit.js';
import { initIntegration, integrate } from '../../activities/git/integration.js';
import { land } from '../../activities/git/land.js';
import { integrationWorktreePath, poolSlotPath, taskWorktreePath } from '../../activities/git/names.js';
import type { BoardGitConfig, IntegrationInfo } from '../../activities/git/types.js';
import { prepareWorktree, releaseWorktree } from '../../activities/git/worktree.js';
import { pictureCheckout } from '../support/git-repo.js';
import { exists, fixture, fsck, git, removeTempDirs, writeFiles } from '../support/git-layer.js';

afterAll(removeTempDirs);

const board = 'land-board';

/** A board with one integrated task; returns what `land` needs. */
async function finishedBoard(config: BoardGitConfig): Promise<IntegrationInfo> {
  const info = await initIntegration({ git: config, boardId: board });
  const wt = await prepareWorktree({ git: config, boardId: board, taskId: 'feature', startSha: info.baseSha });
  await writeFiles(wt.path, { 'feature.txt': 'feature\n' });
  const commit = await commitWork({
    git: config,
    boardId: board,
    taskId: 'feature',
    description: 'feature',
    path: wt.path,
    branch: wt.branch,
    startSha: info.baseSha,
  });
  const result = await integrate({
    git: config,
    boardId: board,
    taskId: 'feature',
    branch: wt.branch,
    taskSha: commit.sha,
  });
  await releaseWorktree({
    git: config,
    boardId: board,
    taskId: 'feature',
    path: wt.path,
    branch: wt.branch,
    remove: true,
  });
  return { ...info, integrationHead: result.head };
}

const landInput = (config: BoardGitConfig, info: IntegrationInfo) => ({
  git: config,
  boardId: board,
  baseBranch: info.baseBranch,
  expectedBaseSha: info.baseSha,
  integrationHead: info.integrationHead,
});

describe('land', () => {
  it('fast-forwards base where the user has it checked out (clean), and says so again when retried', async () => {
    const { repo, config } = await fixture();
    const info = await finishedBoard(config);
    await writeFiles(repo, { 'untracked-notes.txt': 'mine\n' });

    expect(await land(landInput(config, info))).toEqual({ landed: true, head: info.integrationHead });
    expect(await git(repo, ['rev-parse', 'HEAD'])).toBe(info.integrationHead);
    expect(await git(repo, ['status', '--porcelain'])).toBe('?? untracked-notes.txt');
    expect(await fs.readFile(path.join(repo, 'feature.txt'), 'utf8')).toBe('feature\n');
    expect(await land(landInput(config, info))).toEqual({ landed: true, head: info.integrationHead });
    await fsck(repo);
  });

  it('moves only the ref when base is not checked out, leaving the user checkout as it is', async () => {
    const { repo, config } = await fixture();
    const info = await finishedBoard(config);
    await git(repo, ['checkout', '-q', '-b', 'elsewhere']);
    const before = await pictureCheckout(repo);

    expect(await land(landInput(config, info))).toEqual({ landed: true, head: info.integrationHead });
    expect(await git(repo, ['rev-parse', 'main'])).toBe(info.integrationHead);
    expect(await pictureCheckout(repo)).toEqual(before);
  });

  it('refuses, changing nothing, when base moved, when the checkout is dirty, or when it is not a fast-forward', async () => {
    const { repo, config } = await fixture();
    const info = await finishedBoard(config);

    await writeFiles(repo, { 'README.md': 'edited, not committed\n' });
    const dirty = await pictureCheckout(repo);
    const refusedDirty = await land(landInput(config, info));
    expect(refusedDirty).toMatchObject({
      landed: false,
      reason: expect.stringMatching(/uncommitted changes \(README\.md\)/) as unknown,
    });
    expect(await pictureCheckout(repo)).toEqual(dirty);
    await git(repo, ['checkout', '-q', '--', 'README.md']);

    await writeFiles(repo, { 'user.txt': 'user\n' });
    await git(repo, ['add', 'user.txt']);
    await git(repo, ['commit', '-qm', 'user moved main']);
    const moved = await git(repo, ['rev-parse', 'main']);
    const refusedMoved = await land(landInput(config, info));
    expect(refusedMoved).toMatchObject({
      landed: false,
      reason: expect.stringMatching(/main has moved since the board started/) as unknown,
    });
    expect(await git(repo, ['rev-parse', 'main'])).toBe(moved);

    // Told that base is where it now is, the integration head still does not contain it.
    const refusedNotFf = await land({ ...landInput(config, info), expectedBaseSha: moved });
    expect(refusedNotFf).toMatchObject({
      landed: false,
      reason: expect.stringMatching(/cannot be fast-forwarded/) as unknown,
    });
    expect(await git(repo, ['rev-parse', 'main'])).toBe(moved);
  });
});

describe('cleanBoard', () => {
  it("removes the board's worktrees and task branches, keeps the integration branch unless all, and is idempotent", async () => {
    const { repo, config, worktreeRoot } = await fixture({ poolSize: 1 });
    const info = await initIntegration({ git: config, boardId: board });
    const kept = await prepareWorktree({ git: config, boardId: board, taskId: 'kept', startSha: info.baseSha });
    await releaseWorktree({
      git: config,
      boardId: board,
      taskId: 'kept',
      path: kept.path,
      branch: kept.branch,
      remove: false,
    });
    const pooled = await prepareWorktree({
      git: config,
      boardId: board,
      taskId: 'pooled',
      startSha: info.baseSha,
      poolSlot: 0,
    });
    // A leftover folder git does not know, and a task branch the user checked out to look at.
    await writeFiles(taskWorktreePath(worktreeRoot, 'ghost'), { 'x.txt': 'x\n' });
    await git(repo, ['branch', `todone/${board}/looked-at`, info.baseSha]);
    await git(repo, ['checkout', '-q', `todone/${board}/looked-at`]);
    await git(repo, ['branch', 'todone/other-board/task', info.baseSha]);

    const first = await cleanBoard({ git: config, boardId: board });
    expect(first.removedWorktrees.sort()).toEqual([kept.path, pooled.path].sort());
    expect(first.deletedBranches.sort()).toEqual([`todone/${board}/kept`, `todone/${board}/pooled`]);
    expect(await exists(kept.path)).toBe(false);
    expect(await exists(poolSlotPath(worktreeRoot, 0))).toBe(false);
    expect(await exists(taskWorktreePath(worktreeRoot, 'ghost'))).toBe(false);
    expect(await exists(integrationWorktreePath(worktreeRoot))).toBe(true);
    expect(await git(repo, ['for-each-ref', '--format=%(refname:short)', 'refs/heads/todone/'])).toBe(
      [`todone/${board}/integration`, `todone/${board}/looked-at`, 'todone/other-board/task'].join('\n'),
    );
    expect(await cleanBoard({ git: config, boardId: board })).toEqual({ removedWorktrees: [], deletedBranches: [] });

    await git(repo, ['checkout', '-q', 'main']);
    const all = await cleanBoard({ git: config, boardId: board, all: true });
    expect(all.removedWorktrees).toEqual([integrationWorktreePath(worktreeRoot)]);
    expect(all.deletedBranches.sort()).toEqual([`todone/${board}/integration`, `todone/${board}/looked-at`]);
    expect(await exists(worktreeRoot)).toBe(false);
    expect(await git(repo, ['worktree', 'list', '--porcelain'])).not.toContain(worktreeRoot);
    await fsck(repo);
  });
});
