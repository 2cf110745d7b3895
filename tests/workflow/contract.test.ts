/**
 * The wire contract holds for any client, whatever it sends (docs/CONTRACT.md). A board answers
 * its queries from its first moment (`starting` while its document waits to be checked); an
 * invalid one answers with its problems and is searchable as failed; what the contract forbids is
 * refused before anything runs; every update checks its request with the loader's rules and
 * refuses with a non-retryable failure, and nothing a client sends (updates and signals of any
 * shape) fails a single workflow task; a succeeded task's output reaches a remote client; a failed
 * board is resumed by a documented input field.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import proto from '@temporalio/proto';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  BOARD_ID_ATTRIBUTE,
  BOARD_WORKFLOW_TYPE,
  REQUEST_REFUSED,
  STATE_ATTRIBUTE,
  addTasksUpdate,
  boardGraphQuery,
  boardWorkflowId,
  cancelBoardSignal,
  statusQuery,
  type BoardResult,
  type BoardStatus,
  type BoardWorkflowInput,
} from '../../workflows/api.js';
import { createHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

const { EventType } = proto.temporal.api.enums.v1;

let h: Harness;
let native: NativeConnection;
beforeAll(async () => {
  h = await createHarness();
  native = await NativeConnection.connect({ address: inject('temporalAddress') });
});
afterAll(async () => {
  await native?.close();
  await h?.close();
});

type Board = (input: BoardWorkflowInput) => Promise<BoardResult>;
const gate = (dir: string, name: string) => `while [ ! -f ${path.join(dir, name)} ]; do sleep 0.05; done`;

function start(input: BoardWorkflowInput, taskQueue: string, workflowId: string, searchable = false) {
  return h.client.workflow.start<Board>(BOARD_WORKFLOW_TYPE, {
    workflowId,
    taskQueue,
    args: [input],
    ...(searchable
      ? {
          typedSearchAttributes: [
            { key: BOARD_ID_ATTRIBUTE, value: workflowId.replace('todone-board-', '') },
            { key: STATE_ATTRIBUTE, value: 'running' },
          ],
        }
      : {}),
  });
}

/** The ApplicationFailure at the root of a failed workflow or a refused update. */
async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a failure').toBeInstanceOf(Error);
  let cause: unknown = error;
  while (cause instanceof Error && !(cause instanceof ApplicationFailure)) cause = cause.cause;
  expect(cause, `no ApplicationFailure under ${String(error)}`).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

async function failedWorkflowTasks(handle: WorkflowHandle): Promise<number> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED).length;
}

async function scheduledActivities(handle: WorkflowHandle): Promise<number> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED).length;
}

/** A worker with the workflow code and no activities: the board's document is never checked while it alone polls. */
async function withWorkflowsOnly<T>(taskQueue: string, fn: () => Promise<T>): Promise<T> {
  const worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowBundle: { code: h.workflowCode },
  });
  return worker.runUntil(fn());
}

describe('from its first moment', () => {
  it('answers status and graph while its document waits to be checked, and a cancel sent then applies', async () => {
    const dir = await h.tempDir();
    const id = `starting-${randomUUID().slice(0, 8)}`;
    const taskQueue = `test-${randomUUID()}`;
    const input: BoardWorkflowInput = {
      document: { name: 'Starting board', id, agent: 'touch ran.txt', tasks: [{ id: 'a' }] },
      baseDir: dir,
    };
    const handle = await start(input, taskQueue, boardWorkflowId(id));
    await withWorkflowsOnly(taskQueue, async () => {
      const status = await handle.query(statusQuery);
      expect(status).toMatchObject({
        boardId: id,
        name: 'Starting board',
        state: 'starting',
        tasks: [],
        counts: { total: 0, pending: 0, running: 0, succeeded: 0 },
      });
      expect(await handle.query(boardGraphQuery)).toEqual({ tasks: [], total: 0, offset: 0, more: false });
      const refused = await failureOf(handle.executeUpdate('pause', { args: [{}] }));
      expect(refused).toMatchObject({ type: REQUEST_REFUSED, nonRetryable: true });
      expect(refused.message).toMatch(/the board is starting/);
      await handle.signal(cancelBoardSignal, 'changed my mind');
    });
    // A full worker takes the board's queue from here.
    const result = await withFullWorkerOn(taskQueue, () => handle.result());
    expect(result).toMatchObject({ state: 'cancelled', counts: { total: 1, cancelled: 1 } });
    expect(result.tasks[0]!.reason).toBe('changed my mind');
    await expect(fs.access(path.join(dir, 'ran.txt'))).rejects.toThrow(/ENOENT/);
    expect(await failedWorkflowTasks(handle)).toBe(0);
  });

  it('an invalid board answers with its problems, is searchable as failed, and ran nothing', async () => {
    const dir = await h.tempDir();
    const id = `invalid-${randomUUID().slice(0, 8)}`;
    const workflowId = boardWorkflowId(id);
    const input: BoardWorkflowInput = {
      document: { name: 'Invalid', id, tasks: [{ id: 'a', agent: 'true', dependsOn: 'zz' }] },
      baseDir: dir,
    };
    const status = await h.withWorker(async (_boards, taskQueue) => {
      const handle = await start(input, taskQueue, workflowId, true);
      const failure = await failureOf(handle.result());
      expect(failure).toMatchObject({ type: 'InvalidBoard', nonRetryable: true });
      // A closed board is queried by replaying it: the answer is what it said at its end.
      return handle.query(statusQuery);
    });
    expect(status).toMatchObject({
      boardId: id,
      name: 'Invalid',
      state: 'failed',
      tasks: [],
      invalid: {
        source: 'the board document',
        issues: [{ path: 'tasks[0].dependsOn[0]', message: 'unknown task "zz"' }],
      },
    });
    const query = `TodoneState = 'failed' AND TodoneBoardId = '${id}'`;
    await waitFor(`visibility to find ${workflowId} with ${query}`, async () => {
      for await (const found of h.client.workflow.list({ query })) if (found.workflowId === workflowId) return true;
      return false;
    });
  });
});

describe('what the contract forbids is refused with InvalidBoard before anything runs', () => {
  const cases: {
    what: string;
    input: (dir: string, id: string) => BoardWorkflowInput;
    workflowId?: string;
    path: string;
    message: RegExp;
  }[] = [
    {
      what: 'a relative baseDir',
      input: (_dir, id) => ({ document: { name: 'x', id, agent: 'true', tasks: [{ id: 'a' }] }, baseDir: 'boards/x' }),
      path: 'baseDir',
      message:
        /^must be an absolute path \(a relative one would resolve against a worker's current folder\), got "boards\/x"$/,
    },
    {
      what: 'no baseDir',
      input: (_dir, id) => ({ document: { name: 'x', id, agent: 'true', tasks: [{ id: 'a' }] } }),
      path: 'baseDir',
      message: /^required: /,
    },
    {
      what: "a workflow id that is not the board's",
      input: (dir, id) => ({ document: { name: 'x', id, agent: 'true', tasks: [{ id: 'a' }] }, baseDir: dir }),
      workflowId: `someone-else-${randomUUID().slice(0, 8)}`,
      path: 'workflowId',
      message: /^must be "todone-board-.+" for board ".+" \(one running board per id/,
    },
    {
      what: "a resume that is not a run's task statuses",
      input: (dir, id) => ({
        document: { name: 'x', id, agent: 'true', tasks: [{ id: 'a' }] },
        baseDir: dir,
        resume: { tasks: [{ id: 'a', state: 'won' }] } as unknown as BoardWorkflowInput['resume'],
      }),
      path: 'resume.tasks[0].state',
      message: /^expected one of pending, running, awaiting-approval, succeeded/,
    },
  ];
  for (const c of cases) {
    it(c.what, async () => {
      const dir = await h.tempDir();
      const id = `forbidden-${randomUUID().slice(0, 8)}`;
      const workflowId = c.workflowId ?? boardWorkflowId(id);
      await h.withWorker(async (_boards, taskQueue) => {
        const handle = await start(c.input(dir, id), taskQueue, workflowId);
        const failure = await failureOf(handle.result());
        expect(failure).toMatchObject({ type: 'InvalidBoard', nonRetryable: true });
        const details = failure.details![0] as { source: string; issues: { path: string; message: string }[] };
        expect(details.source).toBe('the workflow input');
        expect(details.issues).toEqual([{ path: c.path, message: expect.stringMatching(c.message) as string }]);
        expect(await scheduledActivities(handle)).toBe(0);
        expect((await handle.query(statusQuery)).invalid?.issues[0]?.path).toBe(c.path);
      });
    });
  }
});

describe('steering with requests of any shape', () => {
  it('adds tasks written as in a board file, refuses bad requests naming the field, and never fails a workflow task', async () => {
    const dir = await h.tempDir();
    const id = `steer-${randomUUID().slice(0, 8)}`;
    const input: BoardWorkflowInput = {
      document: {
        name: 'Steered',
        id,
        agent: 'echo "$TODONE_TASK_ID" >> ran.txt',
        timeout: '10m',
        tasks: [{ id: 'base', agent: `${gate(dir, 'go')}; echo base >> ran.txt` }],
      },
      baseDir: dir,
    };
    const result = await h.withWorker(async (_boards, taskQueue) => {
      const handle = await start(input, taskQueue, boardWorkflowId(id));
      await waitFor('base to run', async () => (await handle.query(statusQuery)).counts.running === 1);

      // The board file's shapes: a string dependsOn, no agent (the board's), a string agent, a duration.
      const added = await handle.executeUpdate(addTasksUpdate, {
        args: [
          {
            tasks: [
              { id: 'child', dependsOn: 'base' },
              { id: 'timed', dependsOn: ['child'], agent: 'echo timed >> ran.txt', timeout: '5m' },
            ],
            by: 'tester@test',
          },
        ],
      });
      expect(added).toEqual({ added: ['child', 'timed'] });

      const refusals: [string, [unknown], RegExp][] = [
        [
          'addTasks',
          [{ tasks: [{ id: 'typo', dependsOn: 'base', agnet: 'true' }] }],
          /tasks\[0\]\.agnet: unknown field \(did you mean "agent"\?\)/,
        ],
        [
          'addTasks',
          [{ tasks: [{ id: 'lost', dependsOn: 'nowhere' }] }],
          /tasks\[0\]\.dependsOn\[0\]: unknown task "nowhere"/,
        ],
        ['addTasks', [{ tasks: [{ id: 'base' }] }], /tasks\[0\]\.id: duplicate id "base" \(already on the board\)/],
        [
          'addTasks',
          [{ tasks: [{ id: 'nul', agent: 'echo \u0000' }] }],
          /tasks\[0\]\.agent: must not contain control characters \(U\+0000/,
        ],
        [
          'addTasks',
          [{ tasks: { id: 'x' } }],
          /^cannot add these tasks \(1 problem\):\n {2}tasks: expected a list of tasks$/,
        ],
        ['addTasks', [null], /^expected a request object with tasks, by$/],
        [
          'addTasks',
          [
            {
              tasks: [
                {
                  id: 'half',
                  description: '',
                  type: 'generic',
                  dependsOn: [],
                  agent: { kind: 'shell' },
                  estimateMs: 1,
                },
              ],
            },
          ],
          /tasks\[0\]\.(description|type|estimateMs): unknown field/,
        ],
        ['setMaxParallel', [{ maxParallel: '3' }], /^maxParallel: expected a whole number from 1 to 1000, got "3"$/],
        ['retryTasks', [{ taskIds: 'base' }], /^taskIds: name at least one task to retry/],
        ['cancelTaskChecked', [{ taskId: 5 }], /^taskId: expected a task id \(a string\)$/],
        ['setBreakpoint', [{ taskId: 'child', by: 'two\nlines' }], /^by: expected one line of text/],
        ['pause', ['now'], /^expected a request object with by$/],
        ['resume', [{ by: 'x', please: true }], /^"please": unknown field \(expected by\)$/],
      ];
      for (const [update, args, message] of refusals) {
        const refused = await failureOf(handle.executeUpdate(update, { args }));
        expect(refused, `${update}(${JSON.stringify(args)})`).toMatchObject({
          type: REQUEST_REFUSED,
          nonRetryable: true,
        });
        expect(refused.message, `${update}(${JSON.stringify(args)})`).toMatch(message);
      }
      // pause and resume also take nothing at all.
      expect(await handle.executeUpdate('pause', { args: [] })).toEqual({ paused: true });
      expect(await handle.executeUpdate('resume', { args: [undefined] })).toEqual({ paused: false });
      // Signals cannot be refused: junk is read defensively.
      await handle.signal('cancelTask', 5, { not: 'a reason' });
      await handle.signal('cancelTask', 'no-such-task');
      await handle.signal('cancelBoard', { not: 'a reason' });
      const ended = await handle.result();
      return { ended, failed: await failedWorkflowTasks(handle) };
    });
    expect(result.failed).toBe(0);
    expect(result.ended.state).toBe('cancelled');
    expect(result.ended.tasks.map((t) => [t.id, t.state, t.reason])).toEqual([
      ['base', 'cancelled', 'board cancelled'],
      ['child', 'cancelled', 'board cancelled'],
      ['timed', 'cancelled', 'board cancelled'],
    ]);
    expect(result.ended.changes?.map((c) => [c.kind, c.by])).toEqual([
      ['add', 'tester@test'],
      ['pause', undefined],
      ['resume', undefined],
    ]);
  });

  it("runs the added tasks with the board's defaults", async () => {
    const dir = await h.tempDir();
    const id = `added-${randomUUID().slice(0, 8)}`;
    const input: BoardWorkflowInput = {
      document: {
        name: 'Added',
        id,
        agent: 'echo "$TODONE_TASK_ID" >> ran.txt',
        retry: { maxAttempts: 2, initialInterval: '50ms' },
        tasks: [{ id: 'base', agent: `${gate(dir, 'go')}; echo base >> ran.txt` }],
      },
      baseDir: dir,
    };
    const result = await h.withWorker(async (_boards, taskQueue) => {
      const handle = await start(input, taskQueue, boardWorkflowId(id));
      await waitFor('base to run', async () => (await handle.query(statusQuery)).counts.running === 1);
      await handle.executeUpdate(addTasksUpdate, {
        args: [
          {
            tasks: [
              { id: 'child', dependsOn: 'base' },
              { id: 'grandchild', dependsOn: 'child', estimate: 2 },
            ],
          },
        ],
      });
      const graph = await handle.query(boardGraphQuery);
      expect(graph.tasks.map((t) => [t.id, t.dependsOn, t.agent, t.estimateMs])).toEqual([
        ['base', [], 'shell', 60_000],
        ['child', ['base'], 'shell', 60_000],
        ['grandchild', ['child'], 'shell', 2_000],
      ]);
      await fs.writeFile(path.join(dir, 'go'), '');
      const done = await handle.result();
      return { done, failed: await failedWorkflowTasks(handle) };
    });
    expect(result.done.state).toBe('completed');
    expect(result.failed).toBe(0);
    expect(await fs.readFile(path.join(dir, 'ran.txt'), 'utf8')).toBe('base\nchild\ngrandchild\n');
  });
});

describe('what a remote client reads', () => {
  it("gets a succeeded task's output tail (bounded) and its TODONE_OUTPUT in the status and the result", async () => {
    const dir = await h.tempDir();
    const id = `output-${randomUUID().slice(0, 8)}`;
    const chatty = `for i in $(seq 1 2000); do echo "line $i"; done; printf '{"found": 3}' > "$TODONE_OUTPUT"`;
    const input: BoardWorkflowInput = {
      document: {
        name: 'Output',
        id,
        tasks: [
          { id: 'chatty', agent: chatty },
          { id: 'quiet', agent: 'true' },
        ],
      },
      baseDir: dir,
    };
    const { result, status } = await h.withWorker(async (_boards, taskQueue) => {
      const handle = await start(input, taskQueue, boardWorkflowId(id));
      return { result: await handle.result(), status: await handle.query(statusQuery) };
    });
    for (const answer of [result, status] as BoardStatus[]) {
      const task = answer.tasks.find((t) => t.id === 'chatty')!;
      expect(task.state).toBe('succeeded');
      expect(task.output).toEqual({ found: 3 });
      expect(task.outputTail!.length).toBeLessThanOrEqual(512);
      expect(task.outputTail).toMatch(/line 1999\nline 2000\n$/);
      expect(task.outputBytes).toBeGreaterThan(10_000);
    }
  });

  it('resumes a failed board from a foreign client with the documented resume field: the success is kept', async () => {
    const dir = await h.tempDir();
    const id = `resume-${randomUUID().slice(0, 8)}`;
    const document = {
      name: 'Resumed',
      id,
      retry: { maxAttempts: 1 },
      tasks: [
        { id: 'a', agent: 'echo a >> runs.txt' },
        { id: 'b', dependsOn: 'a', agent: `test -f ${path.join(dir, 'fixed')} && echo b >> runs.txt` },
      ],
    };
    const second = await h.withWorker(async (_boards, taskQueue) => {
      const first = await start({ document, baseDir: dir }, taskQueue, boardWorkflowId(id));
      const failed = await first.result();
      expect(failed.state).toBe('failed');
      await fs.writeFile(path.join(dir, 'fixed'), '');
      const again = await start(
        {
          document,
          baseDir: dir,
          resume: { tasks: failed.tasks, runId: first.firstExecutionRunId, state: failed.state },
        },
        taskQueue,
        boardWorkflowId(id),
      );
      return again.result();
    });
    expect(second.state).toBe('completed');
    expect(second.resumedFrom).toMatchObject({ kept: 1, rerun: 0, state: 'failed' });
    expect(second.tasks.find((t) => t.id === 'a')?.kept).toBe(true);
    expect(await fs.readFile(path.join(dir, 'runs.txt'), 'utf8')).toBe('a\nb\n');
  });
});

/** A full Todone worker on a given queue (the harness's withWorker picks a fresh one). */
async function withFullWorkerOn<T>(taskQueue: string, fn: () => Promise<T>): Promise<T> {
  const { createTodoneWorker } = await import('../../worker/create-worker.js');
  const worker = await createTodoneWorker({
    connection: native,
    namespace: 'default',
    taskQueue,
    home: h.home,
    workflowBundle: { code: h.workflowCode },
  });
  return worker.runUntil(fn());
}
