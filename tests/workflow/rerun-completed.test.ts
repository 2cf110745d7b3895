/**
 * A completed board run again is brought up to date the way a failed one is resumed: what is
 * unchanged is kept, a changed task runs again with its dependents, nothing else runs, and
 * `--fresh` starts over. On a git board the integration branch is built again from base when work
 * it holds changed, with the kept tasks' commits replayed onto it. Marker files count executions.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoardSpec } from '../../src/core/board.js';
import { gitSpec, makeBoard, TASK_FOLDER, taskScratch, type TestTask } from '../support/boards.js';
import { createRepo, git, showFile } from '../support/git-repo.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

/** Appends a line to `<dir>/<id>.runs` each time it runs, then runs `then`. */
const counted = (dir: string, id: string, then = 'true') => `echo run >> ${dir}/${id}.runs; ${then}`;
async function runs(dir: string, ...ids: string[]): Promise<number[]> {
  return Promise.all(
    ids.map(async (id) => {
      const text = await fs.readFile(path.join(dir, `${id}.runs`), 'utf8').catch(() => '');
      return text.split('\n').filter(Boolean).length;
    }),
  );
}

/**
 * On a git board a confined task writes its worktree (whose files would be its change) and its
 * scratch folder: it counts its runs there, kept across the board's runs.
 */
const countedInScratch = (id: string, then: string) => `echo run >> ${TASK_FOLDER}/${id}.runs; ${then}`;
const scratchRuns = (b: BoardSpec, ...ids: string[]) =>
  Promise.all(ids.map(async (id) => (await runs(taskScratch(h.home, b.id, id), id))[0]));

function board(name: string, dir: string, tasks: TestTask[], overrides: Partial<BoardSpec> = {}): BoardSpec {
  return makeBoard(
    `${name}-${randomUUID().slice(0, 8)}`,
    dir,
    tasks.map((t) => ({ retry: { maxAttempts: 1 }, ...t })),
    overrides,
  );
}

function withCommand(b: BoardSpec, id: string, command: string): BoardSpec {
  const edited = structuredClone(b);
  const task = edited.tasks.find((t) => t.id === id)!;
  task.agent = { ...task.agent, kind: 'shell', command };
  return edited;
}

describe('running a completed plain board again', () => {
  it('keeps everything when nothing changed, runs a changed task and its dependents, and starts over with fresh', async () => {
    const dir = await h.tempDir();
    const b = board('plain-again', dir, [
      { id: 'a', command: counted(dir, 'a') },
      { id: 'b', dependsOn: ['a'], command: counted(dir, 'b') },
      { id: 'c', dependsOn: ['b'], command: counted(dir, 'c') },
      { id: 'other', command: counted(dir, 'other') },
    ]);
    expect((await h.run(b)).state).toBe('completed');

    const same = await h.run(b);
    expect(same.state).toBe('completed');
    expect(same.resumedFrom).toMatchObject({ state: 'completed', kept: 4, rerun: 0 });
    expect(same.tasks.every((t) => t.kept && t.state === 'succeeded')).toBe(true);
    expect(await runs(dir, 'a', 'b', 'c', 'other')).toEqual([1, 1, 1, 1]);

    const changed = await h.run(withCommand(b, 'b', counted(dir, 'b', 'echo v2')));
    expect(changed.state).toBe('completed');
    expect(changed.resumedFrom).toMatchObject({ state: 'completed', kept: 2, rerun: 2 });
    expect(changed.tasks.filter((t) => t.kept).map((t) => t.id)).toEqual(['a', 'other']);
    expect(await runs(dir, 'a', 'b', 'c', 'other')).toEqual([1, 2, 2, 1]);

    const fresh = await h.run(b, undefined, { fresh: true });
    expect(fresh.state).toBe('completed');
    expect(fresh.resumedFrom).toBeUndefined();
    expect(await runs(dir, 'a', 'b', 'c', 'other')).toEqual([2, 3, 3, 2]);
  });
});

describe('running a completed git board again', () => {
  async function gitBoard(name: string, tasks: () => TestTask[]) {
    const root = await h.tempDir('todone-git-');
    const repo = await createRepo(path.join(root, 'repo'), { 'README.md': '# project\n', 'notes.txt': 'one\n' });
    const b = board(name, repo, tasks(), { git: gitSpec(repo, path.join(root, 'worktrees')) });
    // As the loader sets it for these task types: an agent that changes nothing fails.
    for (const task of b.tasks) task.expectChanges = true;
    return { repo, b };
  }
  const tasks = (): TestTask[] => [
    { id: 'a', command: countedInScratch('a', 'echo from-a > a.txt') },
    { id: 'b', dependsOn: ['a'], command: countedInScratch('b', 'cat a.txt > b.txt; echo b >> b.txt') },
    { id: 'c', command: countedInScratch('c', 'echo from-c > c.txt') },
  ];

  it('keeps everything when nothing changed: no task runs again and none fails for changing nothing', async () => {
    const { b } = await gitBoard('git-same', tasks);
    const first = await h.run(b);
    expect(first.state).toBe('completed');

    const again = await h.run(b);
    expect(again.tasks.map((t) => [t.id, t.state, t.kept])).toEqual([
      ['a', 'succeeded', true],
      ['b', 'succeeded', true],
      ['c', 'succeeded', true],
    ]);
    expect(again.state).toBe('completed');
    expect(await scratchRuns(b, 'a', 'b', 'c')).toEqual([1, 1, 1]);
    expect(again.integration!.head).toBe(first.integration!.head);
  });

  it('runs a changed task and its dependents on an integration branch rebuilt from base with the kept work', async () => {
    const { repo, b } = await gitBoard('git-changed', tasks);
    const first = await h.run(b);
    expect(first.state).toBe('completed');

    const edited = withCommand(b, 'a', countedInScratch('a', 'echo from-a-v2 > a.txt'));
    const second = await h.run(edited);
    expect(second.state).toBe('completed');
    expect(second.resumedFrom).toMatchObject({ state: 'completed', kept: 1, rerun: 2 });
    expect(await scratchRuns(b, 'a', 'b', 'c')).toEqual([2, 2, 1]);
    const branch = second.integration!.branch;
    expect(await showFile(repo, branch, 'a.txt')).toBe('from-a-v2');
    expect(await showFile(repo, branch, 'b.txt')).toBe('from-a-v2\nb');
    // The kept task's work was replayed, not lost.
    expect(await showFile(repo, branch, 'c.txt')).toBe('from-c');
    // Nothing of the old a or b is left: the branch holds c's replayed commit and this run's a and b.
    const subjects = await git(repo, [
      'log',
      '--format=%s',
      '--no-merges',
      `${second.integration!.baseSha}..${branch}`,
    ]);
    expect(subjects.split('\n').filter(Boolean).sort()).toEqual([
      expect.stringMatching(/: a: /),
      expect.stringMatching(/: b: /),
      expect.stringMatching(/: c: /),
    ]);

    const fresh = await h.run(edited, undefined, { fresh: true });
    expect(fresh.state).toBe('completed');
    expect(await scratchRuns(b, 'a', 'b', 'c')).toEqual([3, 3, 2]);
  });

  it('runs a kept task again when its work no longer applies onto base', async () => {
    const { repo, b } = await gitBoard('git-moved', () => [
      { id: 'a', command: countedInScratch('a', 'echo from-a > a.txt') },
      { id: 'notes', command: countedInScratch('notes', 'echo two > notes.txt') },
      { id: 'after', dependsOn: ['notes'], command: countedInScratch('after', 'cat notes.txt > after.txt') },
    ]);
    expect((await h.run(b)).state).toBe('completed');
    // Base moves under the kept task's change: its commit no longer applies there.
    await fs.writeFile(path.join(repo, 'notes.txt'), 'three\n');
    await git(repo, ['commit', '-qam', 'notes: three']);

    const second = await h.run(withCommand(b, 'a', countedInScratch('a', 'echo from-a-v2 > a.txt')));
    expect(second.state).toBe('completed');
    expect(await scratchRuns(b, 'a', 'notes', 'after')).toEqual([2, 2, 2]);
    expect(second.tasks.filter((t) => t.kept)).toEqual([]);
    expect(second.resumedFrom).toMatchObject({ kept: 0, rerun: 3 });
    expect(await showFile(repo, second.integration!.branch, 'after.txt')).toBe('two');
  });
});
