/**
 * Best of N and `onConflict: retry` on a board that names a remote: a bare repository stands in for
 * the shared remote, one in-process worker clones it under its data folder. What counts is what the
 * remote ends up holding: the integration branch, and no candidate's or task's branch left behind.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitSpec } from '../../src/core/board.js';
import type { BoardResult, TaskStatus } from '../../src/core/run-state.js';
import { makeBoard, shellAgent, TASK_FOLDER, taskScratch, untilIntegrated, type TestTask } from '../support/boards.js';
import { git } from '../support/git-repo.js';
import { createBareRemote, remoteConfig } from '../support/git-remote.js';
import { createHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';
import { markedSleep, processesWith } from '../support/process-scan.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const task = (result: BoardResult, id: string): TaskStatus => result.tasks.find((t) => t.id === id)!;
const shell = (command: string) => shellAgent(command);

/** A board on a bare remote holding README.md and a three-line shared.txt on `main`. */
async function remoteBoard(name: string, tasks: TestTask[], overrides: Partial<GitSpec> = {}) {
  const root = await h.tempDir('todone-remote-modes-');
  const url = await createBareRemote(root, { 'README.md': '# project\n', 'shared.txt': 'line 1\nline 2\nline 3\n' });
  const board = makeBoard(`${name}-${randomUUID().slice(0, 8)}`, root, tasks, {
    git: { ...remoteConfig(url), onConflict: 'fail', conflictRetries: 1, keepFailedWorktrees: true, ...overrides },
  });
  const integration = `todone/${board.id}/integration`;
  /** A file as the remote holds it at `rev` (default: the integration branch). */
  const show = (file: string, rev = integration) => git(url, ['show', `${rev}:${file}`]);
  /** The board's branches on the remote. */
  const branches = async () =>
    (await git(url, ['for-each-ref', '--format=%(refname:short)', `refs/heads/todone/${board.id}/`]))
      .split('\n')
      .filter(Boolean);
  return { root, url, board, integration, show, branches };
}

describe('best of N on a remote board', () => {
  it("pushes the smallest change to the remote's integration branch and leaves no candidate branch there", async () => {
    const { url, board, integration, show, branches } = await remoteBoard('remote-smallest', [
      { id: 'pick', retry: { maxAttempts: 1 } },
    ]);
    board.tasks[0]!.candidates = {
      count: 3,
      pick: 'smallest',
      agents: [shell('printf "a\\nb\\nc\\n" > answer.txt'), shell('echo short > answer.txt'), shell('exit 1')],
    };
    const result = await h.run(board);

    expect(task(result, 'pick').state).toBe('succeeded');
    expect(task(result, 'pick').reason).toBeUndefined();
    expect(result.state).toBe('completed');
    expect(task(result, 'pick').candidates!.map((c) => [c.id, c.state, c.changedLines])).toEqual([
      ['pick.c1', 'discarded', 3],
      ['pick.c2', 'chosen', 1],
      ['pick.c3', 'failed', undefined],
    ]);
    expect(result.integration!.branch).toBe(integration);
    expect(await git(url, ['rev-parse', integration])).toBe(result.integration!.head);
    expect(await show('answer.txt')).toBe('short');
    // The chosen candidate's commit is what the remote's integration branch brought in.
    expect(await git(url, ['merge-base', '--is-ancestor', task(result, 'pick').commit!.sha, integration])).toBe('');
    // Every candidate's branch was deleted from the remote; only the integration branch is left.
    expect(await branches()).toEqual([integration]);
    await git(url, ['fsck', '--no-progress']);
  }, 120_000);

  it('takes the first candidate to pass, stops the other, and pushes the winner', async () => {
    const { board, integration, show, branches } = await remoteBoard('remote-first', [{ id: 'pick' }]);
    // Five minutes: waited for rather than stopped, it would outlast the test.
    const slow = markedSleep();
    board.tasks[0]!.candidates = {
      count: 2,
      pick: 'first',
      agents: [shell(`${slow.command}; echo slow > answer.txt`), shell('echo fast > answer.txt')],
    };
    const result = await h.run(board);

    expect(task(result, 'pick').state).toBe('succeeded');
    expect(task(result, 'pick').candidates!.map((c) => c.state)).toEqual(['cancelled', 'chosen']);
    expect(await show('answer.txt')).toBe('fast');
    expect(await processesWith(slow.token), 'what is left of the stopped candidate').toEqual([]);
    expect(await branches()).toEqual([integration]);
  }, 120_000);
});

describe('onConflict: retry on a remote board', () => {
  it("re-runs a conflicted task from the remote's integration head, told what conflicted, and pushes its work", async () => {
    const { url, board, integration, show, branches } = await remoteBoard(
      'remote-retry',
      [{ id: 'first', command: 'printf "line 1\\nFIRST\\nline 3\\n" > shared.txt', priority: 10 }, { id: 'second' }],
      { onConflict: 'retry' },
    );
    // Each round records the commit it started from; the first round clashes with `first` once it is
    // merged; told about the conflict, the second builds on the new head.
    board.tasks[1]!.agent = shell(
      `git rev-parse HEAD >> ${TASK_FOLDER}/starts; ` +
        'if [ -n "$TODONE_CONFLICT_FILES" ]; then echo "$TODONE_CONFLICT_FILES" > conflict-news.txt; echo SECOND >> shared.txt; ' +
        `else ${untilIntegrated('shared.txt', 'FIRST')}; printf "line 1\\nSECOND\\nline 3\\n" > shared.txt; fi`,
    );
    const base = await git(url, ['rev-parse', 'main']);
    const result = await h.run(board);

    expect(result.state).toBe('completed');
    expect(task(result, 'first').state).toBe('succeeded');
    expect(task(result, 'second')).toMatchObject({ state: 'succeeded', attempts: 2 });
    expect(await show('conflict-news.txt')).toBe('shared.txt');
    expect(await show('shared.txt')).toBe('line 1\nFIRST\nline 3\nSECOND');

    // Round one started from base; round two from the integration head holding `first`'s merge.
    const starts = (await fs.readFile(path.join(taskScratch(h.home, board.id, 'second'), 'starts'), 'utf8'))
      .trim()
      .split('\n');
    expect(starts).toHaveLength(2);
    expect(starts[0]).toBe(base);
    const retryStart = starts[1]!;
    expect(retryStart).not.toBe(base);
    expect(await show('shared.txt', retryStart)).toBe('line 1\nFIRST\nline 3');
    const history = (await git(url, ['rev-list', '--first-parent', integration])).split('\n');
    expect(history).toContain(retryStart);
    // The integration head when `first` was merged, i.e. the head just before `second` came in.
    const secondCommit = task(result, 'second').commit!.sha;
    expect(await git(url, ['rev-parse', `${secondCommit}^`])).toBe(retryStart);
    expect(await git(url, ['log', '-1', '--format=%B', retryStart])).toContain('Todone-Task: first');
    expect(await git(url, ['rev-parse', integration])).toBe(result.integration!.head);
    expect(await branches()).toEqual([integration]);
  }, 120_000);

  it("re-runs every candidate of best of N from the remote's new head after a conflict", async () => {
    const { board, integration, show, branches } = await remoteBoard(
      'remote-best-retry',
      [{ id: 'first', command: 'printf "line 1\\nFIRST\\nline 3\\n" > shared.txt', priority: 10 }, { id: 'pick' }],
      { onConflict: 'retry' },
    );
    // Without conflict news both candidates clash with `first`; told what conflicted, they append.
    const clash = (word: string) =>
      shell(
        `git rev-parse HEAD >> ${TASK_FOLDER}/starts; ` +
          `if [ -n "$TODONE_CONFLICT_FILES" ]; then echo ${word} >> shared.txt; else ${untilIntegrated('shared.txt', 'FIRST')}; printf "line 1\\n${word}\\nline 3\\n" > shared.txt; fi`,
      );
    board.tasks[1]!.candidates = { count: 2, pick: 'smallest', agents: [clash('AAA'), clash('BB')] };
    const result = await h.run(board);

    const pick = task(result, 'pick');
    expect(pick.state).toBe('succeeded');
    // Two rounds of two candidates, one attempt each.
    expect(pick.attempts).toBe(4);
    expect(pick.candidates!.map((c) => c.state).sort()).toEqual(['chosen', 'discarded']);
    expect(await show('shared.txt')).toMatch(/^line 1\nFIRST\nline 3\n(AAA|BB)$/);
    // Both candidates' second rounds started from the same commit, which holds `first`'s work.
    // AAA is the first candidate, BB the second: each records in its own folder.
    const [aaa, bb] = await Promise.all(
      ['pick.c1', 'pick.c2'].map(async (candidate) =>
        (await fs.readFile(path.join(taskScratch(h.home, board.id, candidate), 'starts'), 'utf8')).trim().split('\n'),
      ),
    );
    expect(aaa).toHaveLength(2);
    expect(bb).toHaveLength(2);
    expect(aaa![1]).toBe(bb![1]);
    expect(await show('shared.txt', aaa![1])).toBe('line 1\nFIRST\nline 3');
    expect(await branches()).toEqual([integration]);
  }, 120_000);
});

describe('a remote board whose merge step cannot work', () => {
  it("fails the task with the merge step's reason and finishes the board instead of hanging", async () => {
    const { url, board } = await remoteBoard('remote-no-integration', [
      { id: 'gone' },
      { id: 'after', dependsOn: ['gone'], command: 'true' },
    ]);
    // While the task runs, the board's integration branch goes from the remote: its merge has
    // nowhere to go. (The test deletes it: a confined task cannot reach this remote, a folder.)
    board.tasks[0]!.agent = shell(
      `touch ${TASK_FOLDER}/started; until [ -f ${TASK_FOLDER}/branch-gone ]; do sleep 0.05; done; echo x > x.txt`,
    );
    const folder = taskScratch(h.home, board.id, 'gone');
    const result = await h.run(board, async () => {
      await waitFor('the task to start', () =>
        fs.access(path.join(folder, 'started')).then(
          () => true,
          () => false,
        ),
      );
      await git(url, ['update-ref', '-d', `refs/heads/todone/${board.id}/integration`]);
      await fs.writeFile(path.join(folder, 'branch-gone'), '');
    });

    expect(result.state).toBe('failed');
    const gone = task(result, 'gone');
    expect(gone.state).toBe('failed');
    expect(gone.reason).toBe(
      `could not integrate: the integration branch todone/${board.id}/integration does not exist in ${url}: the board must initialise it first`,
    );
    expect(gone.commit).toMatchObject({ changed: true, files: 1 });
    // Kept for inspection on the worker that ran it, its branch still on the remote.
    await fs.access(path.join(gone.worktree!, 'x.txt'));
    expect(await git(url, ['rev-parse', `todone/${board.id}/gone`])).toBe(gone.commit!.sha);
    expect(task(result, 'after').state).toBe('skipped');
  }, 60_000);
});
