/**
 * SIGKILL at each crash point, in a child process holding the repository lock, then the same step
 * again in this process, as Temporal would retry it: the repository must come out consistent (no
 * half-done merge, `git fsck` clean) with each task's work committed and integrated exactly once.
 * Every test has a repository of its own, so they run concurrently.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitWork } from '../../activities/git/commit.js';
import type { CrashPointName } from '../../activities/git/crash-point.js';
import { initIntegration, integrate } from '../../activities/git/integration.js';
import { land } from '../../activities/git/land.js';
import { integrationWorktreePath } from '../../activities/git/names.js';
import { REPO_LOCK_FILE } from '../../activities/git/repo-lock.js';
import type {
  CommitInput,
  IntegrateInput,
  IntegrationStrategy,
  PrepareWorktreeInput,
} from '../../activities/git/types.js';
import { prepareWorktree, releaseWorktree } from '../../activities/git/worktree.js';
import { childModules, type ChildModules } from '../support/child-modules.js';
import {
  exists,
  fixture,
  fsck,
  git,
  gitDir,
  gitMaybe,
  integrationsOf,
  removeTempDirs,
  statusAll,
  tempDir,
  writeFiles,
  type Fixture,
} from '../support/git-layer.js';

let child: ChildModules;

beforeAll(async () => {
  child = await childModules(await tempDir('todone-child-'), [
    'activities/git/worktree.ts',
    'activities/git/commit.ts',
    'activities/git/integration.ts',
    'activities/git/land.ts',
  ]);
});
afterAll(removeTempDirs);

const board = 'crash-board';
/** The points reached while holding the repository lock (the others are in work outside it). */
const LOCKED_POINTS = new Set<CrashPointName>([
  'worktree:after-add',
  'integrate:during-merge',
  'integrate:after-merge',
  'land:before-update',
]);

/** Runs `exportName(input)` in a child that dies at `point`, and checks it did die there, lock in hand. */
async function crashIn(
  f: Fixture,
  modulePath: string,
  exportName: string,
  input: unknown,
  point: CrashPointName,
): Promise<void> {
  const outcome = await child.call(modulePath, exportName, input, { TODONE_CRASH_AT: point });
  expect(outcome.signal, outcome.stderr).toBe('SIGKILL');
  // It died holding the repository lock: the retry below has to take a dead process's lock over.
  if (LOCKED_POINTS.has(point)) {
    expect(await exists(path.join(f.repo, '.git', REPO_LOCK_FILE))).toBe(true);
  }
}

async function assertConsistent(f: Fixture): Promise<void> {
  await fsck(f.repo);
  const integrationWt = integrationWorktreePath(f.worktreeRoot);
  if (await exists(integrationWt)) {
    expect(await exists(path.join(await gitDir(integrationWt), 'MERGE_HEAD'))).toBe(false);
    expect(await statusAll(integrationWt)).toBe('');
    expect(await git(integrationWt, ['symbolic-ref', 'HEAD'])).toBe(`refs/heads/todone/${board}/integration`);
  }
  expect(await git(f.repo, ['worktree', 'list', '--porcelain'])).not.toMatch(/prunable|locked/);
}

/** A task worktree with work in it, ready to commit. */
async function workedTask(
  f: Fixture,
  taskId: string,
  startSha: string,
  files: Record<string, string>,
): Promise<CommitInput> {
  const wt = await prepareWorktree({ git: f.config, boardId: board, taskId, startSha });
  await writeFiles(wt.path, files);
  return {
    git: f.config,
    boardId: board,
    taskId,
    description: `work of ${taskId}`,
    path: wt.path,
    branch: wt.branch,
    startSha,
  };
}

describe.concurrent('crash while preparing a worktree', () => {
  it('worktree:after-add: the retry reuses the new worktree', async () => {
    const f = await fixture();
    const startSha = await git(f.repo, ['rev-parse', 'HEAD']);
    const input: PrepareWorktreeInput = { git: f.config, boardId: board, taskId: 'fresh', startSha };
    await crashIn(f, 'activities/git/worktree.ts', 'prepareWorktree', input, 'worktree:after-add');
    const prepared = await prepareWorktree(input);
    expect(prepared.headSha).toBe(startSha);
    expect(await statusAll(prepared.path)).toBe('');
    await assertConsistent(f);
  });

  it('worktree:after-reset in a reused pool slot: the retry finishes the switch', async () => {
    const f = await fixture({ poolSize: 1 });
    const startSha = await git(f.repo, ['rev-parse', 'HEAD']);
    const first = await prepareWorktree({ git: f.config, boardId: board, taskId: 'first', startSha, poolSlot: 0 });
    await writeFiles(first.path, { 'leftover.txt': 'x\n', 'README.md': 'dirty\n' });
    await releaseWorktree({
      git: f.config,
      boardId: board,
      taskId: 'first',
      path: first.path,
      branch: first.branch,
      poolSlot: 0,
      remove: true,
    });
    const input: PrepareWorktreeInput = { git: f.config, boardId: board, taskId: 'second', startSha, poolSlot: 0 };
    await crashIn(f, 'activities/git/worktree.ts', 'prepareWorktree', input, 'worktree:after-reset');
    const prepared = await prepareWorktree(input);
    expect(prepared.path).toBe(first.path);
    expect(await git(prepared.path, ['symbolic-ref', 'HEAD'])).toBe(`refs/heads/todone/${board}/second`);
    expect(await statusAll(prepared.path)).toBe('');
    await assertConsistent(f);
  });
});

describe.concurrent('crash while committing', () => {
  it.each<CrashPointName>(['commit:after-add', 'commit:after-commit'])('%s: the retry commits once', async (point) => {
    const f = await fixture();
    const startSha = await git(f.repo, ['rev-parse', 'HEAD']);
    const input = await workedTask(f, 'committer', startSha, { 'new.txt': 'new\n' });
    await crashIn(f, 'activities/git/commit.ts', 'commitWork', input, point);
    const result = await commitWork(input);
    expect(result).toMatchObject({ changed: true, files: ['new.txt'], insertions: 1 });
    expect(await git(f.repo, ['rev-list', '--count', `${startSha}..${result.sha}`])).toBe('1');
    expect(await git(f.repo, ['rev-parse', input.branch])).toBe(result.sha);
    expect(await statusAll(input.path)).toBe('');
    await assertConsistent(f);
  });
});

describe.concurrent.each<IntegrationStrategy>(['merge', 'squash', 'rebase'])(
  'crash while integrating (%s)',
  (strategy) => {
    it.each<CrashPointName>(['integrate:during-merge', 'integrate:after-merge'])(
      '%s: the retry integrates exactly once',
      async (point) => {
        const f = await fixture({ strategy });
        const info = await initIntegration({ git: f.config, boardId: board });
        // Another task first, so the crashed one is not a fast-forward candidate.
        const other = await commitWork(await workedTask(f, 'other', info.baseSha, { 'other.txt': 'o\n' }));
        await integrate({
          git: f.config,
          boardId: board,
          taskId: 'other',
          branch: `todone/${board}/other`,
          taskSha: other.sha,
        });
        const commit = await commitWork(
          await workedTask(f, 'victim', info.baseSha, {
            'victim.txt': 'v\n',
            'shared.txt': 'line 1\nline 2\nline 3\nvictim\n',
          }),
        );
        const input: IntegrateInput = {
          git: f.config,
          boardId: board,
          taskId: 'victim',
          branch: `todone/${board}/victim`,
          taskSha: commit.sha,
        };

        await crashIn(f, 'activities/git/integration.ts', 'integrate', input, point);
        if (point === 'integrate:during-merge' && strategy === 'merge') {
          expect(await exists(path.join(await gitDir(integrationWorktreePath(f.worktreeRoot)), 'MERGE_HEAD'))).toBe(
            true,
          );
        }
        const result = await integrate(input);

        expect(result.kind).toBe(point === 'integrate:after-merge' ? 'already-integrated' : 'merged');
        expect(await git(f.repo, ['rev-parse', info.integrationBranch])).toBe(result.head);
        expect(await integrationsOf(f.repo, info.integrationBranch, commit.sha)).toBe(1);
        expect(await integrationsOf(f.repo, info.integrationBranch, other.sha)).toBe(1);
        expect(await git(f.repo, ['show', `${info.integrationBranch}:victim.txt`])).toBe('v');
        expect(await integrate(input)).toEqual({ kind: 'already-integrated', head: result.head });
        await assertConsistent(f);
      },
    );
  },
);

describe.concurrent('crash while landing', () => {
  it('land:before-update: the retry lands', async () => {
    const f = await fixture();
    const info = await initIntegration({ git: f.config, boardId: board });
    const commit = await commitWork(await workedTask(f, 'feature', info.baseSha, { 'feature.txt': 'f\n' }));
    const merged = await integrate({
      git: f.config,
      boardId: board,
      taskId: 'feature',
      branch: `todone/${board}/feature`,
      taskSha: commit.sha,
    });
    const input = {
      git: f.config,
      boardId: board,
      baseBranch: 'main',
      expectedBaseSha: info.baseSha,
      integrationHead: merged.head,
    };
    await crashIn(f, 'activities/git/land.ts', 'land', input, 'land:before-update');
    expect(await git(f.repo, ['rev-parse', 'main'])).toBe(info.baseSha);
    expect(await land(input)).toEqual({ landed: true, head: merged.head });
    expect(await fs.readFile(path.join(f.repo, 'feature.txt'), 'utf8')).toBe('f\n');
    await assertConsistent(f);
  });
});

describe('several processes on one repository', () => {
  it('serialise their worktree adds and merges through the repository lock', async () => {
    const f = await fixture();
    const info = await initIntegration({ git: f.config, boardId: board });
    const ids = ['p1', 'p2', 'p3', 'p4'];
    const prepared = await Promise.all(
      ids.map((taskId) =>
        child.call('activities/git/worktree.ts', 'prepareWorktree', {
          git: f.config,
          boardId: board,
          taskId,
          startSha: info.baseSha,
        }),
      ),
    );
    for (const outcome of prepared) expect(outcome.exitCode, outcome.stderr).toBe(0);
    const commits = await Promise.all(
      ids.map(async (taskId) => {
        const wt = path.join(f.worktreeRoot, 'tasks', taskId);
        await writeFiles(wt, { [`${taskId}.txt`]: `${taskId}\n` });
        return commitWork({
          git: f.config,
          boardId: board,
          taskId,
          description: taskId,
          path: wt,
          branch: `todone/${board}/${taskId}`,
          startSha: info.baseSha,
        });
      }),
    );
    const merged = await Promise.all(
      commits.map((commit, i) =>
        child.call('activities/git/integration.ts', 'integrate', {
          git: f.config,
          boardId: board,
          taskId: ids[i],
          branch: `todone/${board}/${ids[i]}`,
          taskSha: commit.sha,
        }),
      ),
    );
    for (const outcome of merged) expect(outcome.result, outcome.stderr).toMatchObject({ kind: 'merged' });
    for (const commit of commits) expect(await integrationsOf(f.repo, info.integrationBranch, commit.sha)).toBe(1);
    expect(await gitMaybe(f.repo, ['config', '--get-regexp', '^branch\\.'])).toBe('');
    await assertConsistent(f);
  });
});
