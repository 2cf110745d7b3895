/**
 * The result cache on git boards, on the real server: a hit applies the recorded change onto the
 * task's new start commit and merges it through the queue like any task's work, so a second board
 * with the same cached tasks builds the same integration branch without running an agent; a change
 * to base re-runs exactly the tasks whose start tree it reaches; a recorded change that does not
 * apply runs the task instead. Marker files count the executions, outside the repository, in a folder
 * the (confined) tasks declare writable: the count crosses boards, and a board's own folders do not.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoardSpec } from '../../src/core/board.js';
import type { BoardResult } from '../../src/core/run-state.js';
import { gitSpec, makeBoard, type TestTask } from '../support/boards.js';
import { createRepo, git, showFile } from '../support/git-repo.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const counts = (root: string) => path.join(root, 'counts');
const counted = (root: string, id: string, then: string) => `echo run >> ${counts(root)}/${id}.runs; ${then}`;
async function runs(root: string, ...ids: string[]): Promise<number[]> {
  return Promise.all(
    ids.map(async (id) => {
      const text = await fs.readFile(path.join(counts(root), `${id}.runs`), 'utf8').catch(() => '');
      return text.split('\n').filter(Boolean).length;
    }),
  );
}
const hits = (result: BoardResult) => result.tasks.filter((t) => t.cache?.hit).map((t) => t.id);

type CachedTask = TestTask & { inputs?: string[] };

async function repoWith(files: Record<string, string>): Promise<{ root: string; repo: string }> {
  const root = await h.tempDir('todone-cache-git-');
  await fs.mkdir(counts(root));
  return { root, repo: await createRepo(path.join(root, 'repo'), files) };
}

/** A new board (its own id, integration branch and worktrees) of cached tasks on `repo`. */
function board(root: string, repo: string, tasks: CachedTask[]): BoardSpec {
  const id = `cached-git-${randomUUID().slice(0, 8)}`;
  const b = makeBoard(
    id,
    repo,
    tasks.map(({ inputs: _i, ...t }) => ({ retry: { maxAttempts: 1 }, ...t })),
    { git: gitSpec(repo, path.join(root, 'worktrees', id)) },
  );
  b.tasks.forEach((task, i) => {
    const inputs = tasks[i]!.inputs;
    task.cache = inputs ? { inputs } : {};
    task.expectChanges = true;
    task.agent = { ...task.agent, writable: [counts(root)] };
  });
  return b;
}

describe('a cached git board', () => {
  const tasks = (root: string): CachedTask[] => [
    { id: 'a', inputs: ['src/a/**'], command: counted(root, 'a', 'cat src/a/in.txt > a.out; echo a >> shared.txt') },
    { id: 'b', dependsOn: ['a'], command: counted(root, 'b', 'cat a.out > b.out') },
    { id: 'c', inputs: ['src/c/**'], command: counted(root, 'c', 'printf "\\x00\\x01binary" > c.bin') },
  ];

  it('builds the same branch on a second board without running an agent; a change to base re-runs what it reaches', async () => {
    const { root, repo } = await repoWith({
      'src/a/in.txt': 'one\n',
      'src/c/in.txt': 'c\n',
      'shared.txt': 'start\n',
    });
    const first = await h.run(board(root, repo, tasks(root)));
    expect(first.state).toBe('completed');
    expect(await runs(root, 'a', 'b', 'c')).toEqual([1, 1, 1]);

    const second = await h.run(board(root, repo, tasks(root)));
    expect(second.state).toBe('completed');
    expect(await runs(root, 'a', 'b', 'c')).toEqual([1, 1, 1]);
    expect(hits(second)).toEqual(['a', 'b', 'c']);
    const [one, two] = [first.integration!, second.integration!];
    expect(two.branch).not.toBe(one.branch);
    // The same work, merged anew: the same tree, binary file included.
    expect(await git(repo, ['rev-parse', `${two.head}^{tree}`])).toBe(
      await git(repo, ['rev-parse', `${one.head}^{tree}`]),
    );
    expect(second.tasks.find((t) => t.id === 'c')!.commit).toMatchObject({ changed: true, files: 1 });

    // Base changes a's input: a runs again; b starts from a's new work and runs again; c's inputs are untouched.
    await fs.writeFile(path.join(repo, 'src/a/in.txt'), 'two\n');
    await git(repo, ['commit', '-qam', 'a gets new input']);
    const third = await h.run(board(root, repo, tasks(root)));
    expect(third.state).toBe('completed');
    expect(await runs(root, 'a', 'b', 'c')).toEqual([2, 2, 1]);
    expect(hits(third)).toEqual(['c']);
    expect(await showFile(repo, third.integration!.branch, 'b.out')).toBe('two');
  });

  it('runs the task when its recorded change no longer applies onto the new start commit, and says so', async () => {
    const { root, repo } = await repoWith({ 'src/in.txt': 'in\n', 'log.txt': 'line 1\n' });
    // Its key names only src/**: base may change log.txt under it.
    const appends: CachedTask[] = [
      { id: 'log', inputs: ['src/**'], command: counted(root, 'log', 'echo "line 2" >> log.txt') },
    ];
    expect((await h.run(board(root, repo, appends))).state).toBe('completed');
    await fs.writeFile(path.join(repo, 'log.txt'), 'LINE 1, edited\n');
    await git(repo, ['commit', '-qam', 'base edits the line the change touches']);

    const again = await h.run(board(root, repo, appends));
    expect(again.state).toBe('completed');
    expect(await runs(root, 'log')).toEqual([2]);
    const task = again.tasks[0]!;
    expect(task.cache?.hit).toBeUndefined();
    expect(task.cache?.note).toMatch(/the cached result was not used: its recorded change does not apply here/);
    expect(await showFile(repo, again.integration!.branch, 'log.txt')).toBe('LINE 1, edited\nline 2');
  });

  it('brings a completed cached board up to date: unchanged tasks come from the cache, the changed one runs', async () => {
    const { root, repo } = await repoWith({ 'src/a/in.txt': 'one\n', 'src/c/in.txt': 'c\n', 'shared.txt': 's\n' });
    const b = board(root, repo, tasks(root));
    expect((await h.run(b)).state).toBe('completed');
    const same = await h.run(b);
    expect(same.state).toBe('completed');
    expect(same.resumedFrom).toMatchObject({ state: 'completed', kept: 0, cached: 3 });
    expect(hits(same)).toEqual(['a', 'b', 'c']);
    expect(await runs(root, 'a', 'b', 'c')).toEqual([1, 1, 1]);

    const edited = structuredClone(b);
    edited.tasks[2]!.agent = { kind: 'shell', command: counted(root, 'c', 'echo c2 > c.bin'), env: {} };
    const changed = await h.run(edited);
    expect(changed.state).toBe('completed');
    expect(hits(changed)).toEqual(['a', 'b']);
    expect(await runs(root, 'a', 'b', 'c')).toEqual([1, 1, 2]);
    expect(await showFile(repo, changed.integration!.branch, 'c.bin')).toBe('c2');
    expect(await showFile(repo, changed.integration!.branch, 'b.out')).toBe('one');
  });
});
