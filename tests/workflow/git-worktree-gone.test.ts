/**
 * A task's worktree removed from under its worker after the agent finished and before the commit
 * (found by `npm run chaos`, whose faults remove worktrees at random): the work there is lost, so
 * the task starts again from a new worktree instead of failing on "not a worktree", and it is
 * merged once. The agent plays the remover itself on its first run, which makes the moment exact.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitSpec, makeBoard } from '../support/boards.js';
import { createRepo, git, showFile } from '../support/git-repo.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

describe('a worktree removed before its work is committed', () => {
  it('reruns the task from a new worktree, and merges it once', async () => {
    const root = await h.tempDir('todone-worktree-gone-');
    const repo = await createRepo(path.join(root, 'repo'), { 'README.md': '# project\n' });
    const runs = path.join(root, 'gone.runs');
    // First run: the work is done, then its folder vanishes as the agent exits. Later runs just work.
    const command =
      `echo run >> ${runs}; echo done > gone.txt; ` + `if [ "$(wc -l < ${runs})" -eq 1 ]; then rm -rf "$PWD"; fi`;
    const board = makeBoard(
      `gone-${randomUUID().slice(0, 8)}`,
      repo,
      [
        // Unconfined: the remover stands for someone outside the task (confined, its worktree is a mount point it cannot remove).
        { id: 'gone', command, sandbox: 'none' },
        { id: 'after', dependsOn: ['gone'], command: 'cat gone.txt > after.txt' },
      ],
      { git: gitSpec(repo, path.join(root, 'worktrees')) },
    );

    const result = await h.run(board);

    expect(result.state, JSON.stringify(result.tasks.map((t) => [t.id, t.state, t.reason]))).toBe('completed');
    expect((await fs.readFile(runs, 'utf8')).split('\n').filter(Boolean)).toHaveLength(2);
    const gone = result.tasks.find((t) => t.id === 'gone')!;
    expect(gone.attempts).toBe(2);
    const branch = result.integration!.branch;
    expect(await showFile(repo, branch, 'after.txt')).toBe('done');
    const merges = await git(repo, ['log', '--merges', '--format=%s', branch]);
    expect(merges.split('\n').filter((s) => s.endsWith('merge gone'))).toHaveLength(1);
  });

  it('reruns a task whose worktree git no longer reads, instead of failing it as misconfigured', async () => {
    // Seen in `npm run chaos` (seed 5) as a removal under way while the commit step looked: the
    // .git file was still there, git could no longer read the folder, and the task failed for good
    // ("is not a worktree of"). Here the first run cuts the worktree's link to the repository (its
    // private git dir) and leaves the folder with its .git file: the same state, made exactly.
    const root = await h.tempDir('todone-worktree-unreadable-');
    const repo = await createRepo(path.join(root, 'repo'), { 'README.md': '# project\n' });
    const runs = path.join(root, 'cut.runs');
    const command =
      `echo run >> ${runs}; echo done > cut.txt; ` +
      `if [ "$(wc -l < ${runs})" -eq 1 ]; then rm -rf "$(git rev-parse --absolute-git-dir)"; fi`;
    const board = makeBoard(`cut-${randomUUID().slice(0, 8)}`, repo, [{ id: 'cut', command, sandbox: 'none' }], {
      git: gitSpec(repo, path.join(root, 'worktrees')),
    });

    const result = await h.run(board);

    expect(result.state, JSON.stringify(result.tasks.map((t) => [t.id, t.state, t.reason]))).toBe('completed');
    expect((await fs.readFile(runs, 'utf8')).split('\n').filter(Boolean)).toHaveLength(2);
    expect(await showFile(repo, result.integration!.branch, 'cut.txt')).toBe('done');
  });
});
