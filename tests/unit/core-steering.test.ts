import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAddedTasks } from '../../src/board/check-added.js';
import { loadAddedTasks } from '../../src/board/load-added.js';
import { integrationRebuild, planResume, taskDefinition, taskDefinitions } from '../../src/core/resume.js';
import { BoardScheduler } from '../../src/core/scheduler.js';
import { InvalidInputError } from '../../src/errors.js';
import { makeBoard } from '../support/boards.js';

const diamond = () =>
  makeBoard(
    'd',
    '/work',
    [
      { id: 'a' },
      { id: 'b', dependsOn: ['a'] },
      { id: 'c', dependsOn: ['a'] },
      { id: 'd', dependsOn: ['b', 'c'] },
      { id: 'x' },
    ],
    {
      maxParallel: 4,
    },
  );

describe('resume plan', () => {
  it('keeps unchanged successes whose dependencies are kept; a change re-runs its dependents', () => {
    const board = diamond();
    const defs = taskDefinitions(board);
    const previous = board.tasks.map((t) => ({
      id: t.id,
      state: t.id === 'c' ? ('failed' as const) : ('succeeded' as const),
      attempts: 1,
      definition: defs.get(t.id)!,
    }));
    const plan = planResume(board, previous);
    expect(plan.kept.map((t) => t.id)).toEqual(['a', 'b', 'x']);
    expect(plan.kept.every((t) => t.kept)).toBe(true);
    // d had succeeded? No: it was marked succeeded above, but c (its dependency) runs again.
    expect(plan.rerun).toEqual([{ id: 'd', why: 'its dependency "c" runs again' }]);

    const edited = structuredClone(board);
    edited.tasks[0]!.description = 'something else';
    const afterEdit = planResume(edited, previous);
    expect(afterEdit.kept.map((t) => t.id)).toEqual(['x']);
    expect(afterEdit.rerun.map((r) => r.id)).toEqual(['a', 'b', 'd']);
  });

  it('leaves scheduling knobs out of a definition, and keeps what work and place are in', () => {
    const board = diamond();
    const task = board.tasks[0]!;
    const base = taskDefinition(board, task);
    expect(
      taskDefinition(board, {
        ...task,
        estimateMs: 5,
        priority: 9,
        retry: { ...task.retry, maxAttempts: 7 },
        timeoutMs: 1,
      }),
    ).toBe(base);
    expect(taskDefinition(board, { ...task, dependsOn: [...task.dependsOn].reverse() })).toBe(base);
    expect(taskDefinition(board, { ...task, description: 'other' })).not.toBe(base);
    expect(taskDefinition({ ...board, workdir: '/elsewhere' }, task)).not.toBe(base);
    expect(base).toMatch(/^[0-9a-f]{28}$/);
  });

  it('keeps nothing of a run recorded without definitions (an older Todone)', () => {
    const board = diamond();
    const plan = planResume(
      board,
      board.tasks.map((t) => ({ id: t.id, state: 'succeeded' as const, attempts: 1 })),
    );
    expect(plan.kept).toEqual([]);
  });
});

describe('rebuilding the integration branch of a resumed git board', () => {
  const commit = (sha: string, changed = true) => ({
    sha: sha.repeat(40),
    branch: 'b',
    changed,
    files: 1,
    paths: [],
    insertions: 1,
    deletions: 0,
  });
  const previousRun = (board: ReturnType<typeof diamond>) => {
    const defs = taskDefinitions(board);
    // Integrated in this order: x, a, c, b, d (endedAt).
    const ended: Record<string, number> = { x: 1, a: 2, c: 3, b: 4, d: 5 };
    return board.tasks.map((t) => ({
      id: t.id,
      state: 'succeeded' as const,
      attempts: 1,
      definition: defs.get(t.id)!,
      endedAt: ended[t.id]!,
      commit: commit(t.id === 'x' ? 'e' : t.id, t.id !== 'b'),
    }));
  };

  it('keeps the branch when every task whose work it holds is kept', () => {
    const board = diamond();
    const previous = previousRun(board);
    expect(integrationRebuild(board, previous, planResume(board, previous))).toBeUndefined();
    // A failure that reruns, and the dependent it skipped, never reached the branch.
    const failedC = previous.map((t) =>
      t.id === 'c' || t.id === 'd'
        ? { id: t.id, state: t.id === 'c' ? ('failed' as const) : ('skipped' as const), attempts: 1 }
        : t,
    );
    expect(integrationRebuild(board, failedC, planResume(board, failedC))).toBeUndefined();
  });

  it('rebuilds when integrated work changed, replaying the kept commits in the order they were integrated', () => {
    const board = diamond();
    const previous = previousRun(board);
    const edited = structuredClone(board);
    edited.tasks.find((t) => t.id === 'c')!.description = 'changed';
    // c and d run again; x, a and b are kept, b's commit changed nothing and has nothing to replay.
    expect(integrationRebuild(edited, previous, planResume(edited, previous))).toEqual([
      { taskId: 'x', sha: 'e'.repeat(40), dependsOn: [] },
      { taskId: 'a', sha: 'a'.repeat(40), dependsOn: [] },
    ]);
  });

  it('rebuilds when a task whose work the branch holds left the board', () => {
    const board = diamond();
    const previous = previousRun(board);
    const without = { ...board, tasks: board.tasks.filter((t) => t.id !== 'x') };
    expect(integrationRebuild(without, previous, planResume(without, previous))?.map((r) => r.taskId)).toEqual([
      'a',
      'c',
      'd',
    ]);
    expect(
      integrationRebuild(without, previous, planResume(without, previous))?.find((r) => r.taskId === 'd')?.dependsOn,
    ).toEqual(['c']);
  });
});

describe('steering the scheduler', () => {
  it('reopens kept tasks that cannot be kept, with the kept tasks that depend on them', () => {
    const board = diamond();
    const defs = taskDefinitions(board);
    const kept = ['a', 'b', 'c', 'x'].map((id) => ({
      id,
      state: 'succeeded' as const,
      attempts: 1,
      definition: defs.get(id)!,
      kept: true,
    }));
    const s = new BoardScheduler(board, kept);
    expect(s.startNext(0)).toEqual(['d']);
    const fresh = new BoardScheduler(board, kept);
    expect(fresh.reopenKept(['b'])).toEqual(['b']);
    // d waits for b again; a and c stay kept.
    expect(fresh.startNext(0)).toEqual(['b']);
    expect(fresh.statusOf('a')!.state).toBe('succeeded');
    expect(fresh.reopenKept(['a'])).toEqual(['a', 'c']);
    expect(fresh.startNext(0)).toEqual(['a']);
    expect(fresh.counts).toMatchObject({ succeeded: 1, running: 2, pending: 2 });
  });

  it('retry puts a failure back and revives only the dependents no other failure blocks', () => {
    const s = new BoardScheduler(diamond());
    s.startNext(0);
    s.succeed('a', { attempts: 1 }, 1);
    s.startNext(1);
    s.fail('b', 'failed', { attempts: 3, reason: 'boom' }, 2);
    s.fail('c', 'failed', { attempts: 3, reason: 'boom' }, 2);
    expect(s.statusOf('d')).toMatchObject({ state: 'skipped' });
    // d still waits on c's failure: not revived by retrying b alone.
    expect(s.retry(['b'])).toEqual({ retried: ['b'], revived: [] });
    expect(s.statusOf('b')).toMatchObject({ state: 'pending', attempts: 0 });
    expect(s.retry(['c', 'a', 'zz'])).toEqual({ retried: ['c'], revived: ['d'] });
    expect(s.startNext(3).sort()).toEqual(['b', 'c']);
    s.succeed('b', { attempts: 1 }, 4);
    s.succeed('c', { attempts: 1 }, 4);
    expect(s.startNext(5)).toEqual(['d']);
  });

  it('add joins tasks to the graph: ready when their dependencies succeeded, skipped below a failure', () => {
    const s = new BoardScheduler(diamond());
    s.startNext(0);
    s.succeed('a', { attempts: 1 }, 1);
    s.fail('x', 'failed', { attempts: 1 }, 1);
    const extra = makeBoard('e', '/work', [
      { id: 'e1', dependsOn: ['a'] },
      { id: 'e2', dependsOn: ['x'] },
      { id: 'e3', dependsOn: ['e1'] },
    ]).tasks;
    s.add(extra);
    expect(s.taskIds).toEqual(['a', 'b', 'c', 'd', 'x', 'e1', 'e2', 'e3']);
    expect(s.statusOf('e2')).toMatchObject({ state: 'skipped', reason: 'dependency "x" failed' });
    expect(s.startNext(2)).toContain('e1');
    expect(s.counts.total).toBe(8);
  });

  it("checks added tasks with the loader's rules and words", () => {
    const existing = diamond().tasks;
    expect(checkAddedTasks(existing, [{ id: 'e', dependsOn: ['a'] }], { gitBoard: false })).toEqual([]);
    expect(checkAddedTasks(existing, [{ id: 'a', dependsOn: [] }], { gitBoard: false })).toEqual([
      { path: 'tasks[0].id', message: 'duplicate id "a" (already on the board)' },
    ]);
    expect(
      checkAddedTasks(
        existing,
        [
          { id: 'e', dependsOn: [] },
          { id: 'e', dependsOn: [] },
        ],
        { gitBoard: false },
      ),
    ).toEqual([{ path: 'tasks[1].id', message: 'duplicate id "e" (first used at tasks[0])' }]);
    expect(checkAddedTasks(existing, [{ id: 'e', dependsOn: ['b2'] }], { gitBoard: false })[0]).toEqual({
      path: 'tasks[0].dependsOn[0]',
      message: 'unknown task "b2" (did you mean "b"?)',
    });
    expect(checkAddedTasks(existing, [{ id: 'bad id', dependsOn: [] }], { gitBoard: false })[0]!.path).toBe(
      'tasks[0].id',
    );
    expect(checkAddedTasks(existing, [{ id: 'integration', dependsOn: [] }], { gitBoard: true })[0]!.message).toMatch(
      /reserved/,
    );
    expect(checkAddedTasks(existing, [], { gitBoard: false })).toEqual([
      { path: 'tasks', message: 'must contain at least one task' },
    ]);
  });
});

describe('tasks to add, from a file', () => {
  it("take the board file's defaults and are checked against its tasks, with the new file's paths and lines", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-add-'));
    try {
      await fs.writeFile(
        path.join(dir, 'board.yaml'),
        'name: Adds\nagent: make all\nretry: { maxAttempts: 5 }\ntasks:\n  - id: a\n  - id: b\n    dependsOn: a\n',
      );
      await fs.writeFile(
        path.join(dir, 'more.yaml'),
        'tasks:\n  - id: c\n    dependsOn: [b]\n  - id: d\n    agent: { kind: shell, command: "true" }\n',
      );
      const { board, tasks } = await loadAddedTasks(path.join(dir, 'board.yaml'), path.join(dir, 'more.yaml'));
      expect(board.id).toBe('adds');
      expect(tasks.map((t) => [t.id, t.dependsOn, t.retry.maxAttempts])).toEqual([
        ['c', ['b'], 5],
        ['d', [], 5],
      ]);
      expect(tasks[0]!.agent).toMatchObject({ kind: 'shell', command: 'make all' });

      await fs.writeFile(path.join(dir, 'bad.yaml'), '- id: a\n- id: e\n  dependsOn: [zz]\n  typo: 1\n');
      const error = await loadAddedTasks(path.join(dir, 'board.yaml'), path.join(dir, 'bad.yaml')).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidInputError);
      const message = (error as InvalidInputError).message;
      expect(message).toContain('[0].id: duplicate id "a" (already on the board) (line 1)');
      expect(message).toContain('[1].dependsOn[0]: unknown task "zz"');
      expect(message).toMatch(/\[1\]\.typo: unknown field.*\(line 4\)/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
