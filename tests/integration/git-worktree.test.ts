/**
 * Task worktrees on real repositories: creation, reuse after every kind of crash leftover, the pool,
 * and the untracked extras (copy, link, keep).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepOrphans } from '../../activities/git/cleanup.js';
import { GitConfigError } from '../../activities/git/errors.js';
import { poolSlotPath, taskBranch, taskWorktreePath } from '../../activities/git/names.js';
import { initPool, prepareWorktree, releaseWorktree } from '../../activities/git/worktree.js';
import { exists, fixture, git, gitDir, gitMaybe, removeTempDirs, statusAll, writeFiles } from '../support/git-layer.js';

afterAll(removeTempDirs);

const board = 'wt-board';

describe('prepareWorktree', () => {
  it('creates a worktree on todone/<board>/<task> at the start commit, outside the checkout', async () => {
    const { repo, config, worktreeRoot } = await fixture();
    const startSha = await git(repo, ['rev-parse', 'HEAD']);
    const prepared = await prepareWorktree({ git: config, boardId: board, taskId: 'build', startSha });

    expect(prepared).toEqual({
      path: taskWorktreePath(worktreeRoot, 'build'),
      branch: `todone/${board}/build`,
      headSha: startSha,
    });
    expect(await git(prepared.path, ['symbolic-ref', 'HEAD'])).toBe(`refs/heads/todone/${board}/build`);
    expect(await statusAll(prepared.path)).toBe('');
    expect(await fs.readFile(path.join(prepared.path, 'shared.txt'), 'utf8')).toBe('line 1\nline 2\nline 3\n');
    // No upstream was configured (parallel adds racing on .git/config is what --no-track avoids).
    expect(await gitMaybe(repo, ['config', '--get-regexp', '^branch\\.'])).toBe('');
  });

  it('is idempotent: a second call returns the same worktree, reset to the start', async () => {
    const { repo, config } = await fixture();
    const startSha = await git(repo, ['rev-parse', 'HEAD']);
    const input = { git: config, boardId: board, taskId: 'twice', startSha };
    const first = await prepareWorktree(input);
    await writeFiles(first.path, { 'scratch.txt': 'left over\n', 'README.md': 'changed\n', 'build/out.o': 'x' });
    const second = await prepareWorktree(input);
    expect(second).toEqual(first);
    expect(await statusAll(second.path)).toBe('');
    expect(await git(repo, ['worktree', 'list', '--porcelain'])).toContain(first.path);
  });

  it('resets a branch a failed attempt left at another commit', async () => {
    const { repo, config } = await fixture();
    const startSha = await git(repo, ['rev-parse', 'HEAD']);
    await git(repo, ['branch', taskBranch(board, 'moved'), startSha]);
    await writeFiles(repo, { 'other.txt': 'x\n' });
    await git(repo, ['add', 'other.txt']);
    await git(repo, ['commit', '-qm', 'second']);
    const later = await git(repo, ['rev-parse', 'HEAD']);
    // The branch exists at the old commit; the task now starts from a later one.
    const prepared = await prepareWorktree({ git: config, boardId: board, taskId: 'moved', startSha: later });
    expect(prepared.headSha).toBe(later);
    expect(await git(repo, ['rev-parse', taskBranch(board, 'moved')])).toBe(later);
  });

  it('repairs a folder that exists but is not a registered worktree', async () => {
    const { repo, config, worktreeRoot } = await fixture();
    const startSha = await git(repo, ['rev-parse', 'HEAD']);
    const wtPath = taskWorktreePath(worktreeRoot, 'orphan-folder');
    await writeFiles(wtPath, { 'half-copied.txt': 'junk\n' });
    const prepared = await prepareWorktree({ git: config, boardId: board, taskId: 'orphan-folder', startSha });
    expect(prepared.path).toBe(wtPath);
    expect(await exists(path.join(wtPath, 'half-copied.txt'))).toBe(false);
    expect(await statusAll(wtPath)).toBe('');
  });

  it('repairs a registered worktree whose folder was deleted', async () => {
    const { repo, config } = await fixture();
    const startSha = await git(repo, ['rev-parse', 'HEAD']);
    const input = { git: config, boardId: board, taskId: 'deleted', startSha };
    const first = await prepareWorktree(input);
    await fs.rm(first.path, { recursive: true, force: true });
    const second = await prepareWorktree(input);
    expect(second).toEqual(first);
    expect(await statusAll(second.path)).toBe('');
    expect(await git(repo, ['worktree', 'list', '--porcelain'])).not.toContain('prunable');
  });

  it('repairs a half-registered worktree (an add that died while still locked "initializing")', async () => {
    const { repo, config, worktreeRoot } = await fixture();
    const startSha = await git(repo, ['rev-parse', 'HEAD']);
    const wtPath = taskWorktreePath(worktreeRoot, 'half');
    await fs.mkdir(path.dirname(wtPath), { recursive: true });
    await git(repo, ['worktree', 'add', '--no-track', '-B', taskBranch(board, 'half'), wtPath, startSha]);
    await git(repo, ['worktree', 'lock', '--reason', 'initializing', wtPath]);
    await fs.rm(path.join(wtPath, 'README.md'));
    await fs.rm(path.join(await gitDir(wtPath), 'index'));

    const prepared = await prepareWorktree({ git: config, boardId: board, taskId: 'half', startSha });
    expect(prepared.path).toBe(wtPath);
    expect(await statusAll(wtPath)).toBe('');
    expect(await git(repo, ['worktree', 'list', '--porcelain'])).not.toContain('locked');
  });

  it('removes a stale index.lock left by a killed git', async () => {
    const { repo, config } = await fixture();
    const startSha = await git(repo, ['rev-parse', 'HEAD']);
    const input = { git: config, boardId: board, taskId: 'locked', startSha };
    const first = await prepareWorktree(input);
    const lock = path.join(await gitDir(first.path), 'index.lock');
    await fs.writeFile(lock, '');
    const old = new Date(Date.now() - 60_000);
    await fs.utimes(lock, old, old);
    await writeFiles(first.path, { 'README.md': 'dirty\n' });

    await prepareWorktree(input);
    expect(await exists(lock)).toBe(false);
    expect(await statusAll(first.path)).toBe('');
  });

  it('never lets the worktree root sit inside the user checkout', async () => {
    const { repo, config } = await fixture();
    const startSha = await git(repo, ['rev-parse', 'HEAD']);
    const inside = { ...config, worktreeRoot: path.join(repo, '.worktrees') };
    await expect(prepareWorktree({ git: inside, boardId: board, taskId: 't', startSha })).rejects.toThrow(
      GitConfigError,
    );
    expect(await exists(path.join(repo, '.worktrees'))).toBe(false);
  });

  it('refuses a task branch the user has checked out, saying where', async () => {
    const { repo, config } = await fixture();
    const startSha = await git(repo, ['rev-parse', 'HEAD']);
    await git(repo, ['checkout', '-q', '-b', taskBranch(board, 'mine')]);
    await expect(prepareWorktree({ git: config, boardId: board, taskId: 'mine', startSha })).rejects.toThrow(
      /checked out in/,
    );
  });

  it('rejects unknown start commits and unsafe ids before touching anything', async () => {
    const { repo, config, worktreeRoot } = await fixture();
    const startSha = await git(repo, ['rev-parse', 'HEAD']);
    await expect(
      prepareWorktree({ git: config, boardId: board, taskId: 't', startSha: 'f'.repeat(40) }),
    ).rejects.toThrow(GitConfigError);
    await expect(prepareWorktree({ git: config, boardId: board, taskId: '$(touch pwned)', startSha })).rejects.toThrow(
      GitConfigError,
    );
    await expect(prepareWorktree({ git: config, boardId: board, taskId: 'integration', startSha })).rejects.toThrow(
      /integration/,
    );
    expect(await exists(worktreeRoot)).toBe(false);
  });
});

describe('untracked extras', () => {
  it('copies and links what the board names, skips what is missing, never overwrites tracked files', async () => {
    const { repo, config } = await fixture({ copy: ['.env', 'missing.env', 'README.md'], link: ['node_modules'] });
    await writeFiles(repo, { '.env': 'SECRET=1\n', 'node_modules/dep/index.js': 'module.exports = 1;\n' });
    const startSha = await git(repo, ['rev-parse', 'HEAD']);
    const prepared = await prepareWorktree({ git: config, boardId: board, taskId: 'extras', startSha });

    expect(await fs.readFile(path.join(prepared.path, '.env'), 'utf8')).toBe('SECRET=1\n');
    expect(await fs.readlink(path.join(prepared.path, 'node_modules'))).toBe(path.join(repo, 'node_modules'));
    expect(await exists(path.join(prepared.path, 'missing.env'))).toBe(false);
    expect(await fs.readFile(path.join(prepared.path, 'README.md'), 'utf8')).toBe('# project\n');
    // A copy is a copy: the task changing it leaves the user's file alone.
    await fs.writeFile(path.join(prepared.path, '.env'), 'SECRET=changed\n');
    expect(await fs.readFile(path.join(repo, '.env'), 'utf8')).toBe('SECRET=1\n');
  });
});

describe('untracked extras in a worktree a task wrote', () => {
  it('never copies or links through a link a task left above the path (kept by worktrees.keep in a pool slot)', async () => {
    const { repo, config } = await fixture({ poolSize: 1, keep: ['cfg'], copy: ['cfg/.env'] });
    await writeFiles(repo, { 'cfg/.env': 'SECRET=1\n' });
    const outside = path.join(path.dirname(repo), 'outside');
    await fs.mkdir(outside);
    const base = await git(repo, ['rev-parse', 'HEAD']);
    const first = await prepareWorktree({
      git: config,
      boardId: board,
      taskId: 'planter',
      startSha: base,
      poolSlot: 0,
    });
    // The task replaces the folder with a link to a place of the user's choosing, which `keep` spares.
    await fs.rm(path.join(first.path, 'cfg'), { recursive: true, force: true });
    await fs.symlink(outside, path.join(first.path, 'cfg'));
    await releaseWorktree({
      git: config,
      boardId: board,
      taskId: 'planter',
      path: first.path,
      branch: first.branch,
      poolSlot: 0,
      remove: true,
    });

    const next = prepareWorktree({ git: config, boardId: board, taskId: 'victim', startSha: base, poolSlot: 0 });
    await expect(next).rejects.toThrow(GitConfigError);
    await expect(next).rejects.toThrow(/^worktrees\.copy: cfg\/\.env lies under cfg, which is a link in the worktree /);
    expect(await fs.readdir(outside), 'nothing was written through the link').toEqual([]);
  });
});

describe('the pool', () => {
  it('reuses a slot for the next task: clean, on the new branch, at the new start, sparing keep patterns', async () => {
    const { repo, config, worktreeRoot } = await fixture({ poolSize: 1, keep: ['.cache/'] });
    const base = await git(repo, ['rev-parse', 'HEAD']);
    const first = await prepareWorktree({ git: config, boardId: board, taskId: 'first', startSha: base, poolSlot: 0 });
    expect(first.path).toBe(poolSlotPath(worktreeRoot, 0));
    await writeFiles(first.path, {
      'README.md': 'modified\n',
      'untracked.txt': 'u\n',
      'build/artifact.o': 'ignored\n',
      'nested/deep/file.txt': 'n\n',
      '.cache/kept.bin': 'kept\n',
    });
    await git(first.path, ['add', 'untracked.txt']);
    await releaseWorktree({
      git: config,
      boardId: board,
      taskId: 'first',
      path: first.path,
      branch: first.branch,
      poolSlot: 0,
      remove: true,
    });
    expect(await git(repo, ['branch', '--list', first.branch])).toBe('');

    await writeFiles(repo, { 'next.txt': 'next\n' });
    await git(repo, ['add', 'next.txt']);
    await git(repo, ['commit', '-qm', 'next']);
    const next = await git(repo, ['rev-parse', 'HEAD']);
    const second = await prepareWorktree({
      git: config,
      boardId: board,
      taskId: 'second',
      startSha: next,
      poolSlot: 0,
    });

    expect(second.path).toBe(first.path);
    expect(second.headSha).toBe(next);
    expect(await git(second.path, ['symbolic-ref', 'HEAD'])).toBe(`refs/heads/todone/${board}/second`);
    // Only the keep pattern survives.
    expect(await statusAll(second.path)).toBe('?? .cache/kept.bin');
    expect(await fs.readFile(path.join(second.path, 'README.md'), 'utf8')).toBe('# project\n');
    expect(await exists(path.join(second.path, 'next.txt'))).toBe(true);
  });

  it('pre-creates slots, and a late release of a slot already handed on leaves it alone', async () => {
    const { repo, config } = await fixture({ poolSize: 2 });
    const base = await git(repo, ['rev-parse', 'HEAD']);
    const slots = await initPool({ git: config, boardId: board });
    expect(slots).toHaveLength(2);
    for (const slot of slots) expect(await statusAll(slot)).toBe('');
    expect(await initPool({ git: config, boardId: board })).toEqual(slots);

    const a = await prepareWorktree({ git: config, boardId: board, taskId: 'a', startSha: base, poolSlot: 1 });
    const release = {
      git: config,
      boardId: board,
      taskId: 'a',
      path: a.path,
      branch: a.branch,
      poolSlot: 1,
      remove: true,
    };
    await releaseWorktree(release);
    const b = await prepareWorktree({ git: config, boardId: board, taskId: 'b', startSha: base, poolSlot: 1 });
    await writeFiles(b.path, { 'work-in-progress.txt': 'b is working\n' });
    await releaseWorktree(release);
    expect(await git(b.path, ['symbolic-ref', 'HEAD'])).toBe(`refs/heads/todone/${board}/b`);
    expect(await exists(path.join(b.path, 'work-in-progress.txt'))).toBe(true);
  });
});

describe('releaseWorktree', () => {
  it('removes a dedicated worktree and its branch, twice without complaint; remove: false keeps both', async () => {
    const { repo, config } = await fixture();
    const startSha = await git(repo, ['rev-parse', 'HEAD']);
    const kept = await prepareWorktree({ git: config, boardId: board, taskId: 'kept', startSha });
    await releaseWorktree({
      git: config,
      boardId: board,
      taskId: 'kept',
      path: kept.path,
      branch: kept.branch,
      remove: false,
    });
    expect(await exists(kept.path)).toBe(true);
    expect(await git(repo, ['branch', '--list', kept.branch])).not.toBe('');

    const gone = await prepareWorktree({ git: config, boardId: board, taskId: 'gone', startSha });
    const release = { git: config, boardId: board, taskId: 'gone', path: gone.path, branch: gone.branch, remove: true };
    await releaseWorktree(release);
    await releaseWorktree(release);
    expect(await exists(gone.path)).toBe(false);
    expect(await git(repo, ['branch', '--list', gone.branch])).toBe('');
    expect(await git(repo, ['worktree', 'list', '--porcelain'])).not.toContain(gone.path);
  });
});

describe('sweepOrphans', () => {
  it('forgets Todone registrations whose folder is gone and leaves complete worktrees', async () => {
    const { repo, config } = await fixture();
    const startSha = await git(repo, ['rev-parse', 'HEAD']);
    const lost = await prepareWorktree({ git: config, boardId: board, taskId: 'lost', startSha });
    const kept = await prepareWorktree({ git: config, boardId: board, taskId: 'kept', startSha });
    await fs.rm(lost.path, { recursive: true, force: true });

    const swept = await sweepOrphans({ repo });
    expect(swept.removed).toEqual([lost.path]);
    const list = await git(repo, ['worktree', 'list', '--porcelain']);
    expect(list).not.toContain(lost.path);
    expect(list).toContain(kept.path);
    expect(await sweepOrphans({ repo })).toEqual({ removed: [] });
  });
});
