/**
 * Payload and history discipline at a scale CI can hold: a board whose input would pass the
 * server's 2 MB limit, External Storage forced with a tiny threshold, continued runs, status
 * answers that stay small, and a workflow that keeps failing said plainly.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Client, Connection, ServiceError, WorkflowFailedError } from '@temporalio/client';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { BOARD_WORKFLOW_TYPE, boardWorkflowId, type BoardWorkflowInput } from '../../workflows/api.js';
import type { BoardClient } from '../../src/client/board-client.js';
import { describeStuck } from '../../src/client/stuck-workflow.js';
import { makeBoard } from '../support/boards.js';
import { createHarness, type Harness } from '../support/harness.js';

const harnesses: Harness[] = [];
async function harness(options?: Parameters<typeof createHarness>[0]): Promise<Harness> {
  const h = await createHarness(options);
  harnesses.push(h);
  return h;
}
afterAll(async () => Promise.all(harnesses.map((h) => h.close())));

/** Every run of the board's workflow chain, newest first, with each run's largest payload and event count. */
async function runsOf(client: Client, boardId: string) {
  const runs: { runId: string; events: number; largestPayload: number }[] = [];
  let runId: string | undefined = (await client.workflow.getHandle(boardWorkflowId(boardId)).describe()).runId;
  while (runId) {
    const history = await client.workflow.getHandle(boardWorkflowId(boardId), runId).fetchHistory();
    let largestPayload = 0;
    let previous: string | undefined;
    for (const event of history.events ?? []) {
      largestPayload = Math.max(largestPayload, largestPayloadIn(event));
      previous = event.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? previous;
    }
    runs.push({ runId, events: history.events?.length ?? 0, largestPayload });
    runId = previous || undefined;
  }
  return runs;
}

/** The biggest `data` of any payload anywhere in an event. */
function largestPayloadIn(value: unknown): number {
  if (value instanceof Uint8Array) return value.length;
  if (typeof value !== 'object' || value === null) return 0;
  let largest = 0;
  for (const child of Object.values(value)) largest = Math.max(largest, largestPayloadIn(child));
  return largest;
}

async function filesUnder(dir: string): Promise<number> {
  const entries = await fs.readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).length;
}

describe('big boards', () => {
  it('runs a board whose input would pass 2 MB, through continued runs, with every payload in history small', async () => {
    const h = await harness();
    const workdir = await h.tempDir();
    // 40 tasks with 64 KB descriptions: a 2.6 MB board the server refuses to take inline.
    const board = makeBoard(
      `big-input-${randomUUID().slice(0, 8)}`,
      workdir,
      Array.from({ length: 40 }, (_, i) => ({
        id: `t${i}`,
        command: 'echo run >> "$TODONE_TASK_ID.runs"',
        ...(i >= 20 ? { dependsOn: [`t${i - 20}`] } : {}),
      })),
      { maxParallel: 8 },
    );
    for (const task of board.tasks) task.description = `${task.id}: ${'x'.repeat(64 * 1024)}`;

    // Without External Storage the server refuses the board outright.
    const bare = new Client({ connection: await Connection.connect({ address: inject('temporalAddress') }) });
    const refused = await bare.workflow
      .start(BOARD_WORKFLOW_TYPE, {
        workflowId: `refused-${board.id}`,
        taskQueue: 'nobody',
        args: [{ board } satisfies BoardWorkflowInput],
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    // Refused for its size, and nothing else: the server's own words.
    expect(refused).toBeInstanceOf(ServiceError);
    expect((refused as ServiceError).cause?.message).toMatch(/INVALID_ARGUMENT: Blob data size exceeds limit/);
    await bare.connection.close();

    const result = await h.run(board, undefined, { continueAfterEvents: 80 });

    expect(result.state).toBe('completed');
    expect(result.counts.succeeded).toBe(40);
    for (const task of board.tasks)
      expect(await fs.readFile(path.join(workdir, `${task.id}.runs`), 'utf8')).toBe('run\n');
    const runs = await runsOf(h.client, board.id);
    expect(runs.length).toBeGreaterThan(1);
    // The 2.6 MB input is stored once (content-addressed) and every run holds a small claim to it.
    for (const run of runs) expect(run.largestPayload).toBeLessThan(300 * 1024);
    expect(await filesUnder(path.join(h.home, 'payloads'))).toBeGreaterThan(0);
  });

  it('forced through External Storage with a tiny threshold, a git-free board still runs and answers status', async () => {
    const h = await harness({ payloadThreshold: 256 });
    const workdir = await h.tempDir();
    const board = makeBoard(`tiny-threshold-${randomUUID().slice(0, 8)}`, workdir, [
      { id: 'a', command: 'echo a > a.txt' },
      { id: 'b', dependsOn: ['a'], command: 'cat a.txt > b.txt' },
      { id: 'c', dependsOn: ['a'], command: 'exit 3', retry: { maxAttempts: 2 } },
    ]);
    let live: Awaited<ReturnType<BoardClient['snapshot']>> | undefined;
    const result = await h.run(board, async (boards) => {
      live = await boards.snapshot(board.id, 10_000);
    });

    expect(result.tasks.map((t) => [t.id, t.state])).toEqual([
      ['a', 'succeeded'],
      ['b', 'succeeded'],
      ['c', 'failed'],
    ]);
    expect(result.tasks[2]).toMatchObject({ attempts: 2, exitCode: 3 });
    expect(live?.answered).toBe(true);
    expect(await fs.readFile(path.join(workdir, 'b.txt'), 'utf8')).toBe('a\n');
    const [run] = await runsOf(h.client, board.id);
    // Inputs, results and the final result all went to the store: only claims stayed behind.
    expect(run!.largestPayload).toBeLessThan(1024);
    expect(await filesUnder(path.join(h.home, 'payloads'))).toBeGreaterThan(5);
  });

  it('answers status requests: by state, by id, and what changed since an earlier answer', async () => {
    const h = await harness();
    const workdir = await h.tempDir();
    const gate = path.join(workdir, 'gate');
    const wait = `while [ ! -f ${gate} ]; do sleep 0.05; done`;
    const board = makeBoard(
      `status-requests-${randomUUID().slice(0, 8)}`,
      workdir,
      [
        { id: 'quick', command: 'true' },
        { id: 'slow1', command: wait },
        { id: 'slow2', command: wait },
        { id: 'after', dependsOn: ['slow1'], command: 'true' },
      ],
      { maxParallel: 3 },
    );
    const result = await h.run(board, async (boards) => {
      // Wait (bounded) until quick ended and both slow tasks run.
      let seen: Awaited<ReturnType<BoardClient['snapshot']>>['status'];
      for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
        seen = (await boards.snapshot(board.id, 5_000)).status;
        if (seen?.counts.running === 2 && seen.counts.succeeded === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(seen?.counts).toMatchObject({ running: 2, succeeded: 1 });
      const running = (await boards.snapshot(board.id, 5_000, { states: ['running'] })).status!;
      expect(running.tasks.map((t) => t.id)).toEqual(['slow1', 'slow2']);
      expect(running.page).toMatchObject({ kind: 'selected', matched: 2, more: false });
      const one = (await boards.snapshot(board.id, 5_000, { ids: ['after'] })).status!;
      expect(one.tasks).toEqual([expect.objectContaining({ id: 'after', state: 'pending' })]);
      const nothingNew = (await boards.snapshot(board.id, 5_000, { changedSince: seen!.seq })).status!;
      expect(nothingNew.tasks).toEqual([]);
      await fs.writeFile(gate, '');
    });
    expect(result.state).toBe('completed');
    expect(result.page).toBeUndefined();
    expect(result.tasks).toHaveLength(4);
  });

  it('says plainly that a board whose workflow keeps failing is stuck, and why', async () => {
    const h = await harness();
    const workdir = await h.tempDir();
    // What a service bypassing validation could send: a dependency on a task that does not exist.
    const board = makeBoard(`stuck-${randomUUID().slice(0, 8)}`, workdir, [{ id: 'a', dependsOn: ['ghost'] }]);
    await h
      .run(board, async (boards) => {
        let stuck: Awaited<ReturnType<BoardClient['snapshot']>>['stuck'];
        for (const deadline = Date.now() + 60_000; !stuck && Date.now() < deadline;) {
          stuck = (await boards.snapshot(board.id, 2_000)).stuck;
          if (!stuck) await new Promise((resolve) => setTimeout(resolve, 250));
        }
        expect(stuck, 'the snapshot names the stuck workflow within a minute').toBeDefined();
        expect(stuck!.attempt).toBeGreaterThanOrEqual(3);
        expect(stuck!.message).toMatch(/ghost/);
        expect(describeStuck(stuck!)).toMatch(
          /^The board's workflow keeps failing \(attempt \d+, .*ghost.*\)\. What to do: /,
        );
        await boards.handle(board.id).terminate('test over');
      })
      .catch((error: unknown) => {
        // The terminated run's result rejects: that is how this test ends it.
        if (!(error instanceof WorkflowFailedError)) throw error;
      });
  });
});
