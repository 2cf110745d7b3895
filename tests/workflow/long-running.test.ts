/**
 * Long-running boards on the real server: a failed board resumes (nothing that succeeded runs
 * twice unless it changed), and a running board is steered (retry, add, pause/resume, limit).
 * Marker files count executions.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SteeringRefused } from '../../src/errors.js';
import type { BoardSpec, TaskSpec } from '../../src/core/board.js';
import { gitSpec, makeBoard, shellAgent, TASK_FOLDER, taskScratch, type TestTask } from '../support/boards.js';
import { createRepo, git, showFile } from '../support/git-repo.js';
import { createHarness, type Harness } from '../support/harness.js';
import { waitForStatus } from '../support/board-status.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const counted = (id: string, then = 'true') => `echo run >> ${id}.runs; ${then}`;
async function runs(dir: string, id: string): Promise<number> {
  const text = await fs.readFile(path.join(dir, `${id}.runs`), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).length;
}

function board(name: string, dir: string, tasks: TestTask[], overrides: Partial<BoardSpec> = {}): BoardSpec {
  return makeBoard(
    `${name}-${randomUUID().slice(0, 8)}`,
    dir,
    tasks.map((t) => ({ retry: { maxAttempts: 1 }, ...t })),
    overrides,
  );
}

describe('resuming a board whose last run failed', () => {
  it('keeps what succeeded, runs the rest, and counts kept tasks apart', async () => {
    const dir = await h.tempDir();
    const b = board('resume', dir, [
      { id: 'a', command: counted('a') },
      { id: 'b', dependsOn: ['a'], command: counted('b', 'test -f fixed') },
      { id: 'c', dependsOn: ['b'], command: counted('c') },
      { id: 'd', command: counted('d', 'sleep 0.2') },
    ]);
    const first = await h.run(b);
    expect(first.tasks.map((t) => [t.id, t.state])).toEqual([
      ['a', 'succeeded'],
      ['b', 'failed'],
      ['c', 'skipped'],
      ['d', 'succeeded'],
    ]);

    await fs.writeFile(path.join(dir, 'fixed'), '');
    const second = await h.run(b);

    expect(second.state).toBe('completed');
    expect(await runs(dir, 'a')).toBe(1);
    expect(await runs(dir, 'd')).toBe(1);
    expect(await runs(dir, 'b')).toBe(2);
    expect(await runs(dir, 'c')).toBe(1);
    expect(second.tasks.filter((t) => t.kept).map((t) => t.id)).toEqual(['a', 'd']);
    expect(second.resumedFrom).toMatchObject({ state: 'failed', kept: 2, rerun: 0 });
    expect(second.metrics.keptTasks).toBe(2);
    // Only what ran in this run counts towards its parallelism.
    const ranHere = second.tasks.filter((t) => !t.kept).reduce((sum, t) => sum + (t.durationMs ?? 0), 0);
    expect(second.metrics.sumOfTaskDurationsMs).toBe(ranHere);

    // --fresh starts over: nothing is kept.
    const third = await h.run(b, undefined, { fresh: true });
    expect(third.resumedFrom).toBeUndefined();
    expect(await runs(dir, 'a')).toBe(2);
  });

  it('runs again a task whose definition changed, and its dependents', async () => {
    const dir = await h.tempDir();
    const b = board('changed', dir, [
      { id: 'a', command: counted('a') },
      { id: 'b', dependsOn: ['a'], command: counted('b') },
      { id: 'other', command: counted('other') },
      { id: 'broken', command: 'exit 1' },
    ]);
    await h.run(b);
    const edited = structuredClone(b);
    (edited.tasks[0]!.agent as { command: string }).command = counted('a', 'echo v2');
    edited.tasks[3]!.agent = shellAgent('true');
    const second = await h.run(edited);

    expect(second.state).toBe('completed');
    expect(second.resumedFrom).toMatchObject({ kept: 1, rerun: 2 });
    expect([await runs(dir, 'a'), await runs(dir, 'b'), await runs(dir, 'other')]).toEqual([2, 2, 1]);
  });

  it("on a git board, builds on the kept tasks' work already on the integration branch; --fresh puts it back to base", async () => {
    const root = await h.tempDir('todone-git-');
    const repo = await createRepo(path.join(root, 'repo'), { 'README.md': '# project\n' });
    // Runs are counted, and b is fixed, in each task's scratch folder: confined, a task writes no other.
    const b = board(
      'git-resume',
      repo,
      [
        { id: 'a', command: `echo from-a > a.txt; echo run >> ${TASK_FOLDER}/a.runs` },
        { id: 'b', dependsOn: ['a'], command: `test -f ${TASK_FOLDER}/fixed && cat a.txt > b.txt` },
      ],
      { git: gitSpec(repo, path.join(root, 'worktrees')) },
    );
    const folder = (id: string) => taskScratch(h.home, b.id, id);
    expect((await h.run(b)).state).toBe('failed');
    await fs.writeFile(path.join(folder('b'), 'fixed'), '');
    const second = await h.run(b);

    expect(second.state).toBe('completed');
    expect(await runs(folder('a'), 'a')).toBe(1);
    expect(await showFile(repo, second.integration!.branch, 'b.txt')).toBe('from-a');

    const fresh = await h.run(b, undefined, { fresh: true });
    expect(fresh.state).toBe('completed');
    expect(await runs(folder('a'), 'a')).toBe(2);
    // Started over from base: the integration branch holds this run's two task commits, not four.
    const commits = await git(repo, [
      'rev-list',
      '--count',
      '--no-merges',
      `${fresh.integration!.baseSha}..${fresh.integration!.branch}`,
    ]);
    expect(Number(commits)).toBe(2);
  });
});

describe('steering a running board', () => {
  const gate = (dir: string, name = 'gate') => `while [ ! -f ${path.join(dir, name)} ]; do sleep 0.05; done`;

  it('retries a failed task with fresh attempts and revives the dependents it skipped', async () => {
    const dir = await h.tempDir();
    const b = board('retry', dir, [
      { id: 'flaky', command: counted('flaky', 'test -f fixed') },
      { id: 'after', dependsOn: ['flaky'], command: counted('after') },
      { id: 'long', command: gate(dir) },
    ]);
    const result = await h.run(b, async (boards) => {
      await waitForStatus(boards, b.id, 'flaky to fail', (s) => s.counts.failed === 1 && s.counts.skipped === 1);
      await expect(boards.retryTasks(b.id, ['long'])).rejects.toThrow(SteeringRefused);
      await expect(boards.retryTasks(b.id, ['nope'])).rejects.toThrow(/unknown task "nope"/);
      await fs.writeFile(path.join(dir, 'fixed'), '');
      const answer = await boards.retryTasks(b.id, ['flaky'], { by: 'ana@laptop' });
      expect(answer).toEqual({ retried: ['flaky'], revived: ['after'] });
      await waitForStatus(
        boards,
        b.id,
        'after to succeed',
        (s) => s.tasks.find((t) => t.id === 'after')?.state === 'succeeded',
      );
      await fs.writeFile(path.join(dir, 'gate'), '');
    });

    expect(result.state).toBe('completed');
    expect(result.tasks.find((t) => t.id === 'flaky')).toMatchObject({ state: 'succeeded', attempts: 1 });
    expect(await runs(dir, 'flaky')).toBe(2);
    expect(await runs(dir, 'after')).toBe(1);
    expect(result.changes).toEqual([
      expect.objectContaining({ kind: 'retry', by: 'ana@laptop', detail: 'retry flaky (revived after)' }),
    ]);
  });

  it("adds tasks that depend on running ones, and refuses bad additions with the loader's words, changing nothing", async () => {
    const dir = await h.tempDir();
    const b = board('add', dir, [{ id: 'base', command: gate(dir) }]);
    const extra = (id: string, dependsOn: string[]): TaskSpec => ({
      ...makeBoard('x', dir, [{ id, dependsOn, command: counted(id) }]).tasks[0]!,
    });
    const result = await h.run(b, async (boards) => {
      await waitForStatus(boards, b.id, 'base to run', (s) => s.counts.running === 1);
      await expect(boards.addTasks(b.id, [extra('base', [])])).rejects.toThrow(
        /tasks\[0\]\.id: duplicate id "base" \(already on the board\)/,
      );
      await expect(boards.addTasks(b.id, [extra('n1', ['ghost'])])).rejects.toThrow(
        /tasks\[0\]\.dependsOn\[0\]: unknown task "ghost"/,
      );
      await expect(boards.addTasks(b.id, [extra('p', ['q']), extra('q', ['p'])])).rejects.toThrow(/dependency cycle: /);
      expect((await boards.snapshot(b.id)).status!.counts.total).toBe(1);
      expect(await boards.addTasks(b.id, [extra('child', ['base']), extra('grandchild', ['child'])])).toEqual({
        added: ['child', 'grandchild'],
      });
      await fs.writeFile(path.join(dir, 'gate'), '');
    });

    expect(result.state).toBe('completed');
    expect(result.tasks.map((t) => [t.id, t.state])).toEqual([
      ['base', 'succeeded'],
      ['child', 'succeeded'],
      ['grandchild', 'succeeded'],
    ]);
    expect(result.changes!.map((c) => c.detail)).toEqual(['add child, grandchild']);
  });

  it('pauses (running tasks finish, nothing new starts), resumes, and changes the parallel limit live', async () => {
    const dir = await h.tempDir();
    const tasks = Array.from({ length: 6 }, (_, i) => ({
      id: `t${i}`,
      command: `${gate(dir, `go${i}`)}; date +%s%3N > t${i}.end`,
    }));
    const b = board('pause', dir, tasks, { maxParallel: 1 });
    const result = await h.run(b, async (boards) => {
      await waitForStatus(boards, b.id, 't0 to run', (s) => s.counts.running === 1);
      await boards.pause(b.id);
      await fs.writeFile(path.join(dir, 'go0'), '');
      // The workflow decides what starts in the activation that records t0's end, so the first
      // status showing that end shows the decision: paused, with a free slot and five ready tasks,
      // nothing started.
      const paused = await waitForStatus(boards, b.id, 't0 to end', (s) => s.counts.succeeded === 1);
      expect(paused.paused).toBe(true);
      expect(paused.counts).toMatchObject({ running: 0, pending: 5 });
      await expect(boards.setMaxParallel(b.id, 0)).rejects.toThrow(
        /maxParallel: expected a whole number from 1 to 1000, got 0/,
      );
      // A wider limit wakes the workflow to start tasks again; paused, it still starts none.
      await boards.setMaxParallel(b.id, 3);
      expect((await boards.snapshot(b.id)).status!.counts).toMatchObject({ running: 0, pending: 5 });
      await boards.resume(b.id);
      const widened = await waitForStatus(boards, b.id, 'three tasks to run', (s) => s.counts.running === 3);
      expect(widened).toMatchObject({ maxParallel: 3 });
      for (let i = 1; i < 6; i++) await fs.writeFile(path.join(dir, `go${i}`), '');
    });

    expect(result.state).toBe('completed');
    expect(result.changes!.map((c) => c.kind)).toEqual(['pause', 'maxParallel', 'resume']);
    expect(result.changes![1]!.detail).toBe('maxParallel 1 -> 3');
  });
});
