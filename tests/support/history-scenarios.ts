/**
 * The boards behind the replay corpus (tests/fixtures/histories): one per path of the board
 * workflow, each small and quick, each checking it took its path. Recording
 * (TODONE_RECORD_HISTORIES=1) runs them on the suite's dev server; replaying needs only their
 * names. A path the workflow grows gets a scenario here, then a deliberate recording.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { expect } from 'vitest';
import { createActivities } from '../../activities/index.js';
import type { PrepareWorktreeInput } from '../../activities/git/types.js';
import { BoardClient } from '../../src/client/board-client.js';
import type { AgentSpec, AggregateSpec, BoardSpec, GitSpec, TaskSpec } from '../../src/core/board.js';
import { workerQueue } from '../../src/core/capabilities.js';
import type { BoardResult, BoardStatus } from '../../src/core/run-state.js';
import {
  BOARD_ID_ATTRIBUTE,
  BOARD_WORKFLOW_TYPE,
  STATE_ATTRIBUTE,
  addTasksUpdate,
  boardWorkflowId,
  cancelTaskSignal,
  statusQuery,
  type BoardWorkflowInput,
} from '../../workflows/api.js';
import { gitSpec, makeBoard, shellAgent, untilIntegrated, type TestTask } from './boards.js';
import { createRepo, git } from './git-repo.js';
import { createBareRemote, remoteConfig } from './git-remote.js';
import type { Harness } from './harness.js';
import { waitFor } from './wait-for.js';

export interface HistoryScenario {
  name: string;
  /** What path of the workflow the history takes. */
  about: string;
  /** Runs the board to its end and returns its workflow id; the latest chain of runs is recorded. */
  run(h: Harness): Promise<string>;
}

const state = (result: BoardResult) => Object.fromEntries(result.tasks.map((t) => [t.id, t.state]));
const gate = (dir: string, name: string) => `while [ ! -f ${path.join(dir, name)} ]; do sleep 0.05; done`;
const shell = (command: string): AgentSpec => shellAgent(command);

/** An "aider" that only reports what it spent, in aider's words: the cheapest agent with usage. */
async function tokenReporter(dir: string): Promise<string> {
  const bin = path.join(dir, 'spend-tokens');
  await fs.writeFile(
    bin,
    "#!/bin/sh\necho 'Tokens: 2.3k sent, 120 received. Cost: $0.0123 message, $0.0123 session.'\n",
    { mode: 0o755 },
  );
  return bin;
}

function plainBoard(name: string, dir: string, tasks: TestTask[], overrides: Partial<BoardSpec> = {}): BoardSpec {
  return makeBoard(
    `corpus-${name}-${randomUUID().slice(0, 8)}`,
    dir,
    tasks.map((t) => ({ retry: { maxAttempts: 1 }, ...t })),
    overrides,
  );
}

async function gitBoard(
  h: Harness,
  name: string,
  tasks: TestTask[],
  git: Partial<GitSpec> = {},
  overrides: Partial<BoardSpec> = {},
): Promise<BoardSpec> {
  const root = await h.tempDir('todone-corpus-git-');
  const repo = await createRepo(path.join(root, 'repo'), {
    'README.md': '# project\n',
    'shared.txt': 'line 1\nline 2\nline 3\n',
  });
  return plainBoard(name, repo, tasks, { ...overrides, git: gitSpec(repo, path.join(root, 'worktrees'), git) });
}

/** Bounded polling of the board's live status, for steps that must happen while it runs. */
async function until(
  boards: BoardClient,
  boardId: string,
  what: string,
  done: (s: BoardStatus) => boolean,
): Promise<void> {
  await waitFor(what, async () => {
    const status = (await boards.snapshot(boardId, 5_000)).status;
    return status !== undefined && done(status);
  });
}
const taskState = (s: BoardStatus, id: string) => s.tasks.find((t) => t.id === id)?.state;

async function recorded(
  h: Harness,
  board: BoardSpec,
  check: (result: BoardResult) => void,
  during?: (boards: BoardClient) => Promise<void>,
  tuning?: Parameters<Harness['run']>[2],
): Promise<string> {
  const result = await h.run(board, during, tuning);
  check(result);
  return boardWorkflowId(board.id);
}

/**
 * A board started as any client starts one: a document and a base folder, with the search
 * attributes that make TodoneState follow it. Resolves with the workflow id once it has closed.
 */
async function fromDocument(
  h: Harness,
  input: BoardWorkflowInput & { document: { id: string } & Record<string, unknown> },
  during?: (handle: ReturnType<Harness['client']['workflow']['getHandle']>) => Promise<void>,
  workflowId = boardWorkflowId(input.document.id),
): Promise<string> {
  await h.withWorker(async (_boards, taskQueue) => {
    const handle = await h.client.workflow.start(BOARD_WORKFLOW_TYPE, {
      workflowId,
      taskQueue,
      args: [input],
      typedSearchAttributes: [
        { key: BOARD_ID_ATTRIBUTE, value: input.document.id },
        { key: STATE_ATTRIBUTE, value: 'running' },
      ],
    });
    await Promise.all([handle.result().catch(() => undefined), during?.(handle)]);
  });
  return workflowId;
}

/**
 * Fan-in tasks as the loader makes them (makeBoard knows nothing of `aggregate`): a reduce command
 * runs as the task's shell command, concat, merge and vote are computed by the workflow.
 */
function withFanIn(board: BoardSpec, fanIn: Record<string, AggregateSpec>): BoardSpec {
  for (const task of board.tasks) if (fanIn[task.id]) task.aggregate = fanIn[task.id];
  return board;
}

/** Three tasks where the merge strategy is the only difference between the git scenarios. */
function integrated(strategy: GitSpec['strategy'], poolSize = 0): HistoryScenario {
  return {
    name: `git-${strategy}`,
    about: `git board, ${strategy} into the integration branch${poolSize ? `, a pool of ${poolSize}` : ''}: two parallel tasks and one that builds on both`,
    run: async (h) => {
      const board = await gitBoard(
        h,
        strategy,
        [
          { id: 'a', command: 'echo from-a > a.txt' },
          { id: 'b', command: 'echo from-b > b.txt' },
          { id: 'c', dependsOn: ['a', 'b'], command: 'cat a.txt b.txt > c.txt' },
        ],
        { strategy, poolSize },
      );
      return recorded(h, board, (r) => expect(r.state).toBe('completed'));
    },
  };
}

export const HISTORY_SCENARIOS: HistoryScenario[] = [
  {
    name: 'plain-retry-failure-skip',
    about: 'plain board: a retried task, a failed one, its skipped dependent, an independent success',
    run: async (h) => {
      const dir = await h.tempDir();
      const board = plainBoard(
        'plain',
        dir,
        [
          { id: 'a', command: 'true' },
          {
            id: 'b',
            dependsOn: ['a'],
            command: '[ "$TODONE_ATTEMPT" -ge 2 ]',
            retry: { maxAttempts: 3, initialIntervalMs: 50 },
          },
          { id: 'c', dependsOn: ['a'], command: 'exit 1' },
          { id: 'd', dependsOn: ['b', 'c'], command: 'true' },
          { id: 'e', command: 'true' },
        ],
        { maxParallel: 2 },
      );
      return recorded(h, board, (r) =>
        expect(state(r)).toEqual({ a: 'succeeded', b: 'succeeded', c: 'failed', d: 'skipped', e: 'succeeded' }),
      );
    },
  },
  {
    name: 'plain-continue-as-new',
    about: 'plain board whose history passes the (lowered) limit: drains and continues as new twice or more',
    run: async (h) => {
      const dir = await h.tempDir();
      const ids = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'];
      const board = plainBoard(
        'continue',
        dir,
        ids.map((id, i) => ({ id, dependsOn: i >= 2 ? [ids[i - 2]!] : [], command: 'true' })),
        { maxParallel: 2 },
      );
      const id = await recorded(h, board, (r) => expect(r.state).toBe('completed'), undefined, {
        continueAfterEvents: 20,
      });
      const description = await h.client.workflow.getHandle(id).describe();
      expect(description.runId).not.toBe(description.raw.workflowExecutionInfo?.firstRunId);
      return id;
    },
  },
  {
    name: 'plain-cancel-task',
    about: 'plain board: a running task cancelled by update (its dependent skipped), a pending one cancelled by signal',
    run: async (h) => {
      const dir = await h.tempDir();
      const board = plainBoard('cancel-task', dir, [
        { id: 'hang', command: gate(dir, 'never') },
        { id: 'after-hang', dependsOn: ['hang'], command: 'true' },
        { id: 'slow', command: gate(dir, 'go') },
        { id: 'late', dependsOn: ['slow'], command: 'true' },
      ]);
      return recorded(
        h,
        board,
        (r) =>
          expect(state(r)).toEqual({
            hang: 'cancelled',
            'after-hang': 'skipped',
            slow: 'succeeded',
            late: 'cancelled',
          }),
        async (boards) => {
          await until(boards, board.id, 'hang and slow to run', (s) => s.counts.running === 2);
          expect(await boards.cancelTask(board.id, 'hang', 'not needed')).toMatchObject({ accepted: true });
          await boards.handle(board.id).signal(cancelTaskSignal, 'late', 'not needed either');
          await until(boards, board.id, 'late to be cancelled', (s) => taskState(s, 'late') === 'cancelled');
          await fs.writeFile(path.join(dir, 'go'), '');
        },
      );
    },
  },
  {
    name: 'plain-cancel-board',
    about: 'plain board cancelled while a task runs: the task is killed, the pending one cancelled',
    run: async (h) => {
      const dir = await h.tempDir();
      const board = plainBoard('cancel-board', dir, [
        { id: 'long', command: gate(dir, 'never') },
        { id: 'next', dependsOn: ['long'], command: 'true' },
      ]);
      return recorded(
        h,
        board,
        (r) => expect(r.state).toBe('cancelled'),
        async (boards) => {
          await until(boards, board.id, 'long to run', (s) => s.counts.running === 1);
          await boards.cancelBoard(board.id, 'stop everything');
        },
      );
    },
  },
  {
    name: 'plain-budget-exhausted',
    about:
      'plain board whose agent (reporting usage as aider does) spends the token budget: the running task is cancelled, the pending one skipped',
    run: async (h) => {
      const dir = await h.tempDir();
      const board = plainBoard(
        'budget',
        dir,
        [
          { id: 'spender', priority: 10 },
          { id: 'slow', command: gate(dir, 'never'), priority: 5 },
          { id: 'later', command: 'true' },
        ],
        { maxParallel: 2, budget: { tokens: 1000, onExhausted: 'cancel' } },
      );
      board.tasks[0]!.agent = { kind: 'aider', args: [], env: {}, bin: await tokenReporter(dir) };
      return recorded(h, board, (r) => {
        expect(state(r)).toEqual({ spender: 'succeeded', slow: 'cancelled', later: 'skipped' });
        expect(r.budget?.exhausted).toMatch(/1000-token budget/);
      });
    },
  },
  {
    name: 'update-retry-tasks',
    about: 'retryTasks update: a failed task runs again with fresh attempts and revives its skipped dependent',
    run: async (h) => {
      const dir = await h.tempDir();
      const board = plainBoard('retry', dir, [
        { id: 'flaky', command: `test -f ${path.join(dir, 'fixed')}` },
        { id: 'after', dependsOn: ['flaky'], command: 'true' },
        { id: 'long', command: gate(dir, 'go') },
      ]);
      return recorded(
        h,
        board,
        (r) => expect(r.state).toBe('completed'),
        async (boards) => {
          await until(boards, board.id, 'flaky to fail', (s) => s.counts.failed === 1 && s.counts.skipped === 1);
          await fs.writeFile(path.join(dir, 'fixed'), '');
          expect(await boards.retryTasks(board.id, ['flaky'], { by: 'corpus' })).toEqual({
            retried: ['flaky'],
            revived: ['after'],
          });
          await until(boards, board.id, 'after to succeed', (s) => taskState(s, 'after') === 'succeeded');
          await fs.writeFile(path.join(dir, 'go'), '');
        },
      );
    },
  },
  {
    name: 'update-add-tasks',
    about: 'addTasks update: two tasks joined to a running board, one depending on a running task',
    run: async (h) => {
      const dir = await h.tempDir();
      const board = plainBoard('add', dir, [{ id: 'base', command: gate(dir, 'go') }]);
      const extra = (id: string, dependsOn: string[]): TaskSpec =>
        makeBoard('x', dir, [{ id, dependsOn, command: 'true' }]).tasks[0]!;
      return recorded(
        h,
        board,
        (r) => expect(state(r)).toEqual({ base: 'succeeded', child: 'succeeded', grandchild: 'succeeded' }),
        async (boards) => {
          await until(boards, board.id, 'base to run', (s) => s.counts.running === 1);
          await boards.addTasks(board.id, [extra('child', ['base']), extra('grandchild', ['child'])], { by: 'corpus' });
          await fs.writeFile(path.join(dir, 'go'), '');
        },
      );
    },
  },
  {
    name: 'update-pause-resume',
    about: 'pause update (the running task finishes, nothing new starts), then resume',
    run: async (h) => {
      const dir = await h.tempDir();
      const board = plainBoard(
        'pause',
        dir,
        [
          { id: 'first', command: gate(dir, 'go') },
          { id: 'second', command: 'true' },
        ],
        { maxParallel: 1 },
      );
      return recorded(
        h,
        board,
        (r) => expect(r.changes?.map((c) => c.kind)).toEqual(['pause', 'resume']),
        async (boards) => {
          await until(boards, board.id, 'first to run', (s) => s.counts.running === 1);
          await boards.pause(board.id, { by: 'corpus' });
          await fs.writeFile(path.join(dir, 'go'), '');
          await until(
            boards,
            board.id,
            'first to end while paused',
            (s) => s.counts.succeeded === 1 && s.counts.running === 0,
          );
          await boards.resume(board.id, { by: 'corpus' });
        },
      );
    },
  },
  {
    name: 'update-set-max-parallel',
    about: 'setMaxParallel update: a board running one task at a time widens to two',
    run: async (h) => {
      const dir = await h.tempDir();
      const board = plainBoard(
        'widen',
        dir,
        [
          { id: 't1', command: gate(dir, 'go') },
          { id: 't2', command: gate(dir, 'go') },
          { id: 't3', command: 'true' },
        ],
        { maxParallel: 1 },
      );
      return recorded(
        h,
        board,
        (r) => expect(r.maxParallel).toBe(2),
        async (boards) => {
          await until(boards, board.id, 'one task to run', (s) => s.counts.running === 1);
          await boards.setMaxParallel(board.id, 2, { by: 'corpus' });
          await until(boards, board.id, 'two tasks to run', (s) => s.counts.running === 2);
          await fs.writeFile(path.join(dir, 'go'), '');
        },
      );
    },
  },
  {
    name: 'resumed-board',
    about: 'a new run of a failed board (BoardWorkflowInput.resume): the success is kept, the failure runs again',
    run: async (h) => {
      const dir = await h.tempDir();
      const board = plainBoard('resume', dir, [
        { id: 'a', command: 'true' },
        { id: 'b', dependsOn: ['a'], command: `test -f ${path.join(dir, 'fixed')}` },
      ]);
      expect((await h.run(board)).state).toBe('failed');
      await fs.writeFile(path.join(dir, 'fixed'), '');
      return recorded(h, board, (r) => {
        expect(r.state).toBe('completed');
        expect(r.resumedFrom).toMatchObject({ kept: 1 });
      });
    },
  },
  integrated('merge'),
  integrated('rebase', 1),
  integrated('squash'),
  {
    name: 'git-conflict',
    about:
      'git board: two tasks clash in one file, one ends conflicted (onConflict: fail) and its dependent is skipped',
    run: async (h) => {
      const board = await gitBoard(h, 'conflict', [
        { id: 'left', command: 'printf "line 1\\nLEFT\\nline 3\\n" > shared.txt' },
        { id: 'right', command: 'printf "line 1\\nRIGHT\\nline 3\\n" > shared.txt' },
        { id: 'after-left', dependsOn: ['left'], command: 'true' },
        { id: 'after-right', dependsOn: ['right'], command: 'true' },
      ]);
      return recorded(h, board, (r) =>
        expect(Object.values(state(r)).sort()).toEqual(['conflicted', 'skipped', 'succeeded', 'succeeded']),
      );
    },
  },
  {
    name: 'git-conflict-retry',
    about: 'git board with onConflict: retry: the conflicted task runs a second round from the new integration head',
    run: async (h) => {
      const board = await gitBoard(
        h,
        'conflict-retry',
        [
          { id: 'first', command: 'printf "line 1\\nFIRST\\nline 3\\n" > shared.txt', priority: 10 },
          {
            id: 'second',
            command: `if [ -n "$TODONE_CONFLICT_FILES" ]; then echo SECOND >> shared.txt; else ${untilIntegrated('shared.txt', 'FIRST')}; printf "line 1\\nSECOND\\nline 3\\n" > shared.txt; fi`,
          },
        ],
        { onConflict: 'retry' },
      );
      return recorded(h, board, (r) => expect(r.state).toBe('completed'));
    },
  },
  {
    name: 'git-best-of-n',
    about: 'git board, best of 2 with pick first: the first candidate to pass is merged, the other cancelled',
    run: async (h) => {
      const board = await gitBoard(h, 'best-of-n', [{ id: 'pick' }]);
      board.tasks[0]!.candidates = {
        count: 2,
        pick: 'first',
        agents: [shell('sleep 30; echo slow > slow.txt'), shell('echo quick > quick.txt')],
      };
      return recorded(h, board, (r) =>
        expect(r.tasks[0]!.candidates?.map((c) => c.state)).toEqual(['cancelled', 'chosen']),
      );
    },
  },
  {
    name: 'git-continue-as-new',
    about: 'git board continuing as new: the integration branch and pool are carried into the next run',
    run: async (h) => {
      const ids = ['g0', 'g1', 'g2', 'g3'];
      const board = await gitBoard(
        h,
        'git-continue',
        ids.map((id, i) => ({ id, dependsOn: i > 0 ? [ids[i - 1]!] : [], command: `echo ${id} > ${id}.txt` })),
        { poolSize: 1 },
      );
      const id = await recorded(h, board, (r) => expect(r.state).toBe('completed'), undefined, {
        continueAfterEvents: 30,
      });
      const description = await h.client.workflow.getHandle(id).describe();
      expect(description.runId).not.toBe(description.raw.workflowExecutionInfo?.firstRunId);
      return id;
    },
  },
  {
    name: 'git-remote',
    about:
      'git board with a remote: each worktree step after prepare goes to the queue of the worker that made it, branches are pushed',
    run: async (h) => {
      const root = await h.tempDir('todone-corpus-remote-');
      const url = await createBareRemote(root, { 'README.md': '# project\n' });
      const board = plainBoard(
        'remote',
        root,
        [
          { id: 'a', command: 'echo a > a.txt' },
          { id: 'b', dependsOn: ['a'], command: 'cat a.txt > b.txt' },
        ],
        {
          git: { ...remoteConfig(url), onConflict: 'fail', conflictRetries: 1, keepFailedWorktrees: true },
        },
      );
      return recorded(h, board, (r) => expect(r.state).toBe('completed'));
    },
  },
  {
    name: 'document-invalid',
    about:
      'a board sent as a document that the loader refuses: the normalising activity fails, TodoneState becomes failed, the workflow fails with InvalidBoard',
    run: async (h) => {
      const dir = await h.tempDir();
      const id = `corpus-invalid-${randomUUID().slice(0, 8)}`;
      return fromDocument(h, {
        document: { name: 'Invalid', id, tasks: [{ id: 'a', agent: 'true', dependsOn: 'zz' }] },
        baseDir: dir,
      });
    },
  },
  {
    name: 'contract-refused',
    about:
      'a document with a relative baseDir: refused with InvalidBoard before any activity (patched todone-contract-checks)',
    run: async (h) => {
      const id = `corpus-refused-${randomUUID().slice(0, 8)}`;
      return fromDocument(h, {
        document: { name: 'Refused', id, agent: 'true', tasks: [{ id: 'a' }] },
        baseDir: 'relative/folder',
      });
    },
  },
  {
    name: 'update-add-written-tasks',
    about:
      "addTasks update with tasks in the board file's shape (a string dependsOn, the board's agent, a duration), normalised by the workflow",
    run: async (h) => {
      const dir = await h.tempDir();
      const id = `corpus-written-${randomUUID().slice(0, 8)}`;
      return fromDocument(
        h,
        {
          document: {
            name: 'Written',
            id,
            agent: 'true',
            retry: { maxAttempts: 1 },
            tasks: [{ id: 'base', agent: gate(dir, 'go') }],
          },
          baseDir: dir,
        },
        async (handle) => {
          await waitFor('base to run', async () => (await handle.query(statusQuery)).counts.running === 1);
          await handle.executeUpdate(addTasksUpdate, {
            args: [{ tasks: [{ id: 'child', dependsOn: 'base', timeout: '5m' }], by: 'corpus' }],
          });
          await fs.writeFile(path.join(dir, 'go'), '');
          expect(state((await handle.result()) as BoardResult)).toEqual({ base: 'succeeded', child: 'succeeded' });
        },
      );
    },
  },
  {
    name: 'foreign-resume',
    about:
      "a failed board started again from a document with the documented resume field (its last result's tasks): the success is kept",
    run: async (h) => {
      const dir = await h.tempDir();
      const id = `corpus-resume-${randomUUID().slice(0, 8)}`;
      const document = {
        name: 'Foreign resume',
        id,
        retry: { maxAttempts: 1 },
        tasks: [
          { id: 'a', agent: 'true' },
          { id: 'b', dependsOn: 'a', agent: `test -f ${path.join(dir, 'fixed')}` },
        ],
      };
      let failed: BoardResult | undefined;
      await fromDocument(h, { document, baseDir: dir }, async (handle) => {
        failed = (await handle.result()) as BoardResult;
      });
      expect(failed?.state).toBe('failed');
      await fs.writeFile(path.join(dir, 'fixed'), '');
      return fromDocument(
        h,
        { document, baseDir: dir, resume: { tasks: failed!.tasks, state: 'failed' } },
        async (handle) => {
          const result = (await handle.result()) as BoardResult;
          expect(result.resumedFrom).toMatchObject({ kept: 1, rerun: 0 });
          expect(state(result)).toEqual({ a: 'succeeded', b: 'succeeded' });
        },
      );
    },
  },
  {
    name: 'git-rerun-changed',
    about:
      'a completed git board run again with one task changed: the integration branch is rebuilt from base, one kept commit replayed, one that no longer applies runs again',
    run: async (h) => {
      const board = await gitBoard(h, 'rerun', [
        { id: 'a', command: 'echo from-a > a.txt' },
        { id: 'kept', command: 'echo kept > kept.txt' },
        { id: 'moved', command: 'printf "line 1\\nMOVED\\nline 3\\n" > shared.txt' },
      ]);
      expect((await h.run(board)).state).toBe('completed');
      const repo = board.git!.repo;
      await fs.writeFile(path.join(repo, 'shared.txt'), 'line 1\nBASE\nline 3\n');
      await git(repo, ['commit', '-qam', 'base moves under moved']);
      board.tasks[0]!.agent = shell('echo from-a-v2 > a.txt');
      return recorded(h, board, (r) => {
        expect(r.state).toBe('completed');
        expect(r.tasks.map((t) => [t.id, t.kept ?? false])).toEqual([
          ['a', false],
          ['kept', true],
          ['moved', false],
        ]);
      });
    },
  },
  {
    name: 'git-fresh',
    about: 'a git board run again with --fresh: the integration branch goes back to base',
    run: async (h) => {
      const board = await gitBoard(h, 'fresh', [{ id: 'only', command: 'echo once >> log.txt' }]);
      expect((await h.run(board)).state).toBe('completed');
      return recorded(h, board, (r) => expect(r.state).toBe('completed'), undefined, { fresh: true });
    },
  },
  {
    name: 'breakpoints',
    about:
      'breakpoints: the board pauses before a task named in the board file, a setBreakpoint update adds one on the running board, resume goes past each',
    run: async (h) => {
      const dir = await h.tempDir();
      const board = plainBoard('breakpoints', dir, [
        { id: 'first', command: 'true' },
        { id: 'held', dependsOn: ['first'], command: 'true' },
        { id: 'side', command: gate(dir, 'go') },
        { id: 'later', dependsOn: ['held'], command: 'true' },
      ]);
      board.breakpoints = ['held'];
      return recorded(
        h,
        board,
        (r) =>
          expect(r.changes?.map((c) => c.detail)).toEqual([
            'paused before held (breakpoint)',
            'breakpoint before later',
            'resume: past the breakpoint before held',
            'paused before later (breakpoint)',
            'resume: past the breakpoint before later',
          ]),
        async (boards) => {
          await until(boards, board.id, 'the breakpoint before held', (s) => s.breakpoint === 'held');
          expect(await boards.setBreakpoint(board.id, 'later', { by: 'corpus' })).toEqual({ breakpoints: ['later'] });
          await boards.resume(board.id, { by: 'corpus' });
          await until(boards, board.id, 'the breakpoint before later', (s) => s.breakpoint === 'later');
          await boards.resume(board.id, { by: 'corpus' });
          await fs.writeFile(path.join(dir, 'go'), '');
        },
      );
    },
  },
  {
    name: 'outputs-aggregate',
    about:
      'task outputs (TODONE_OUTPUT) reaching a dependent, and fan-in tasks combining them: concat, merge and vote in the workflow, a reduce command as an activity',
    run: async (h) => {
      const dir = await h.tempDir();
      const answer = (json: string) => `printf '%s' '${json}' > "$TODONE_OUTPUT"`;
      const judges = ['j1', 'j2', 'j3'];
      const board = withFanIn(
        plainBoard('outputs', dir, [
          { id: 'j1', command: answer('{"verdict":"ship","files":1}') },
          { id: 'j2', command: answer('{"verdict":"hold","files":2}') },
          { id: 'j3', command: answer('{"verdict":"ship","files":1}') },
          { id: 'reader', dependsOn: ['j1'], command: 'grep -q ship "$TODONE_DEPENDENCY_OUTPUTS"' },
          { id: 'all', dependsOn: judges, command: 'true' },
          { id: 'merged', dependsOn: judges, command: 'true' },
          { id: 'verdict', dependsOn: judges, command: 'true' },
          { id: 'counted', dependsOn: judges, command: 'grep -o verdict | wc -l' },
        ]),
        { all: 'concat', merged: 'merge', verdict: 'vote', counted: { reduce: 'grep -o verdict | wc -l' } },
      );
      return recorded(h, board, (r) => {
        expect(r.state).toBe('completed');
        const output = (id: string) => r.tasks.find((t) => t.id === id)?.output;
        expect(output('all')).toHaveLength(3);
        expect(output('merged')).toMatchObject({ verdict: 'ship' });
        expect(output('verdict')).toEqual({ verdict: 'ship', files: 1 });
        expect(output('counted')).toBe(3);
      });
    },
  },
  {
    name: 'requires-capability',
    about:
      'a task that requires a capability runs on its capability queue (a worker offering it polls that queue); a plain task stays on the board queue',
    run: async (h) => {
      const dir = await h.tempDir();
      const board = plainBoard('requires', dir, [
        { id: 'train', command: 'true' },
        { id: 'report', dependsOn: ['train'], command: 'true' },
      ]);
      board.tasks[0]!.requires = ['gpu'];
      return h.withWorker(
        async (boards) => {
          const { handle } = await boards.startOrAttach(board);
          expect(state(await handle.result())).toEqual({ train: 'succeeded', report: 'succeeded' });
          return boardWorkflowId(board.id);
        },
        { capabilities: ['gpu'] },
      );
    },
  },
  {
    name: 'git-remote-requires',
    about:
      "git board with a remote and a task that requires a capability: its worktree is prepared on the capability queue, its later steps go to that worker's own queue",
    run: async (h) => {
      const root = await h.tempDir('todone-corpus-remote-');
      const url = await createBareRemote(root, { 'README.md': '# project\n' });
      const board = plainBoard(
        'remote-requires',
        root,
        [
          { id: 'train', command: 'echo weights > model.txt' },
          { id: 'report', dependsOn: ['train'], command: 'cat model.txt > report.txt' },
        ],
        { git: { ...remoteConfig(url), onConflict: 'fail', conflictRetries: 1, keepFailedWorktrees: true } },
      );
      board.tasks[0]!.requires = ['gpu'];
      return h.withWorker(
        async (boards) => {
          const { handle } = await boards.startOrAttach(board);
          expect((await handle.result()).state).toBe('completed');
          return boardWorkflowId(board.id);
        },
        { capabilities: ['gpu'] },
      );
    },
  },
  {
    name: 'git-remote-lost-worker',
    about:
      "git board with a remote whose worker holding a task's worktree is lost once: the step routed there is never started, the task starts over on a new worktree and succeeds",
    run: async (h) => {
      const root = await h.tempDir('todone-corpus-lost-');
      const url = await createBareRemote(root, { 'README.md': '# project\n' });
      // Three heartbeat timeouts, but never under 10 s: the one wait this scenario costs.
      const board = plainBoard('lost', root, [{ id: 'orphan', command: 'echo x > x.txt', heartbeatTimeoutMs: 2_000 }], {
        git: { ...remoteConfig(url), onConflict: 'fail', conflictRetries: 1, keepFailedWorktrees: true },
      });
      const taskQueue = `corpus-${randomUUID()}`;
      const ownQueue = workerQueue(taskQueue, 'corpus-worker');
      const real = createActivities({ home: path.join(root, 'home'), ownQueue });
      let prepared = 0;
      // The first worktree answers as made by a worker that is gone: nobody ever polls its queue.
      const activities = {
        ...real,
        prepareWorktree: async (input: PrepareWorktreeInput) => {
          const made = await real.prepareWorktree(input);
          return ++prepared === 1 ? { ...made, queue: workerQueue(taskQueue, 'gone-worker') } : made;
        },
      };
      const common = { connection: h.connection, dataConverter: h.dataConverter, activities };
      const main = await Worker.create({ ...common, taskQueue, workflowBundle: { code: h.workflowCode } });
      const own = await Worker.create({ ...common, taskQueue: ownQueue });
      const ownRun = own.run();
      try {
        const result = await main.runUntil(async () => {
          const { handle } = await new BoardClient(h.client, taskQueue).startOrAttach(board);
          return handle.result();
        });
        expect(state(result)).toEqual({ orphan: 'succeeded' });
        expect(prepared).toBe(2);
      } finally {
        own.shutdown();
        await ownRun;
      }
      return boardWorkflowId(board.id);
    },
  },
  {
    name: 'gate-decisions',
    about:
      'approval gates on a plain board: work rejected with a comment then approved, rejected for good (dependent skipped), a gate before the start approved, a deadline deciding',
    run: async (h) => {
      const dir = await h.tempDir();
      const board = plainBoard('gates', dir, [
        { id: 'draft', command: 'echo "$TODONE_FEEDBACK" >> draft.txt' },
        { id: 'risky', command: 'true' },
        { id: 'after-risky', dependsOn: ['risky'], command: 'true' },
        { id: 'deploy', command: 'true' },
        { id: 'timed', command: 'true' },
      ]);
      const gates: Record<string, TaskSpec['approval']> = {
        draft: { before: false },
        risky: { before: false },
        deploy: { before: true },
        timed: { before: false, timeoutMs: 500, onTimeout: 'approve' },
      };
      board.tasks = board.tasks.map((t) => (gates[t.id] ? { ...t, approval: gates[t.id] } : t));
      return recorded(
        h,
        board,
        (r) =>
          expect(state(r)).toEqual({
            draft: 'succeeded',
            risky: 'failed',
            'after-risky': 'skipped',
            deploy: 'succeeded',
            timed: 'succeeded',
          }),
        async (boards) => {
          const waiting = (id: string, attempts: number) => (s: BoardStatus) =>
            s.tasks.some((t) => t.id === id && t.state === 'awaiting-approval' && t.attempts >= attempts);
          await until(boards, board.id, 'draft to wait', waiting('draft', 1));
          await boards.rejectTask(board.id, 'draft', 'say more', { by: 'corpus@test' });
          await until(boards, board.id, 'draft to wait again', waiting('draft', 2));
          await boards.approveTask(board.id, 'draft', { by: 'corpus@test', comment: 'good' });
          await until(boards, board.id, 'risky to wait', waiting('risky', 1));
          await boards.rejectTask(board.id, 'risky', 'no', { final: true, by: 'corpus@test' });
          await until(boards, board.id, 'deploy to wait', waiting('deploy', 0));
          await boards.approveTask(board.id, 'deploy', { by: 'corpus@test' });
        },
      );
    },
  },
  {
    name: 'git-gate',
    about:
      'an approval gate on a git board: the work waits on its branch (worktree released), is rejected, redone on top of itself, approved and integrated',
    run: async (h) => {
      const board = await gitBoard(h, 'gate', [
        { id: 'notes', command: 'echo "draft $TODONE_FEEDBACK" >> notes.txt' },
        { id: 'after', dependsOn: ['notes'], command: 'cat notes.txt > seen.txt' },
      ]);
      board.tasks[0] = { ...board.tasks[0]!, approval: { before: false } };
      return recorded(
        h,
        board,
        (r) => expect(state(r)).toEqual({ notes: 'succeeded', after: 'succeeded' }),
        async (boards) => {
          const waiting = (attempts: number) => (s: BoardStatus) =>
            s.tasks.some((t) => t.id === 'notes' && t.state === 'awaiting-approval' && t.attempts >= attempts);
          await until(boards, board.id, 'notes to wait', waiting(1));
          await boards.rejectTask(board.id, 'notes', 'one more line', { by: 'corpus@test' });
          await until(boards, board.id, 'notes to wait again', waiting(2));
          await boards.approveTask(board.id, 'notes', { by: 'corpus@test' });
        },
      );
    },
  },
  {
    name: 'gate-continue-as-new',
    about:
      'a task waiting for approval while the board continues as new: carried, its deadline too, approved in a later run',
    run: async (h) => {
      const dir = await h.tempDir();
      const ids = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'];
      const board = plainBoard(
        'gate-can',
        dir,
        [
          { id: 'held', command: 'true' },
          ...ids.map((id, i) => ({ id, dependsOn: i >= 1 ? [ids[i - 1]!] : [], command: 'true' })),
        ],
        { maxParallel: 2 },
      );
      board.tasks[0] = { ...board.tasks[0]!, approval: { before: false, timeoutMs: 3_600_000, onTimeout: 'fail' } };
      const id = await recorded(
        h,
        board,
        (r) => expect(r.state).toBe('completed'),
        async (boards) => {
          await until(
            boards,
            board.id,
            'the chain to finish while held waits',
            (s) => ids.every((t) => taskState(s, t) === 'succeeded') && taskState(s, 'held') === 'awaiting-approval',
          );
          await boards.approveTask(board.id, 'held', { by: 'corpus@test' });
        },
        { continueAfterEvents: 20 },
      );
      const description = await h.client.workflow.getHandle(id).describe();
      expect(description.runId).not.toBe(description.raw.workflowExecutionInfo?.firstRunId);
      return id;
    },
  },
  {
    name: 'review-changes',
    about:
      'a review on a plain board asks for changes once: the reviewed task runs again with the comment, the review approves',
    run: async (h) => {
      const dir = await h.tempDir();
      const verdict = (v: string) => `printf '%s' '{"verdict":"${v}","comment":"rename it"}' > "$TODONE_OUTPUT"`;
      const board = plainBoard('review', dir, [
        { id: 'api', command: 'echo "$TODONE_FEEDBACK" >> api.txt' },
        {
          id: 'check',
          dependsOn: ['api'],
          command: `if [ -f check.once ]; then ${verdict('approve')}; else touch check.once; ${verdict('changes')}; fi`,
        },
        { id: 'ship', dependsOn: ['api', 'check'], command: 'true' },
      ]);
      board.tasks[1] = { ...board.tasks[1]!, type: 'review', reviews: ['api'], maxRounds: 2 };
      return recorded(h, board, (r) =>
        expect(state(r)).toEqual({ api: 'succeeded', check: 'succeeded', ship: 'succeeded' }),
      );
    },
  },
  {
    name: 'git-review-changes',
    about:
      'a review on a git board asks for changes once: the rework is integrated through the queue, the review reads the diffs',
    run: async (h) => {
      const verdict = (v: string) => `printf '%s' '{"verdict":"${v}","comment":"rename it"}' > "$TODONE_OUTPUT"`;
      const board = await gitBoard(h, 'review', [
        { id: 'api', command: 'echo "api $TODONE_FEEDBACK" >> api.txt' },
        {
          id: 'check',
          dependsOn: ['api'],
          command: `if grep -q rename api.txt; then ${verdict('approve')}; else ${verdict('changes')}; fi`,
        },
      ]);
      board.tasks[1] = { ...board.tasks[1]!, type: 'review', reviews: ['api'], maxRounds: 2 };
      return recorded(h, board, (r) => expect(state(r)).toEqual({ api: 'succeeded', check: 'succeeded' }));
    },
  },
  {
    name: 'notify-webhooks',
    about:
      'a board with webhooks: notifications started without waiting, a dead endpoint recorded, the end waits for the last',
    run: async (h) => {
      const dir = await h.tempDir();
      const server = http.createServer((_request, response) => response.writeHead(200).end());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
        const board = plainBoard('notify', dir, [
          { id: 'ok', command: 'true' },
          { id: 'bad', command: 'exit 1' },
        ]);
        board.notify = [
          { url, events: ['board.finished', 'task.failed'] },
          { url: { fromEnv: 'TODONE_CORPUS_NO_SUCH_URL' }, events: ['board.finished'] },
        ];
        return await recorded(h, board, (r) => expect(r.notifications).toMatchObject({ delivered: 2, failed: 1 }));
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    },
  },
];
