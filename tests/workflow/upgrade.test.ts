/**
 * Upgrading Todone under a running board, as docs/ARCHITECTURE.md ("Changing workflow code")
 * prescribes: a board starts on build A of the workflow, its worker stops mid-board, and a worker
 * running build B (A plus a behaviour change behind `patched()`) finishes it. No task runs twice,
 * and B's behaviour appears only after the handover. The same change without `patched()` cannot
 * replay A's history: that is what the replay corpus catches in CI.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchRunHistories } from '../../src/client/board-history.js';
import type { BoardClient } from '../../src/client/board-client.js';
import type { BoardStatus } from '../../src/core/run-state.js';
import { boardWorkflowId } from '../../workflows/api.js';
import { replayRuns } from '../../worker/replay.js';
import { makeBoard } from '../support/boards.js';
import { openBuildWorkers, type BuildWorkers } from '../support/build-workers.js';
import { waitFor } from '../support/wait-for.js';
import {
  LOWER_THRESHOLD_PATCH,
  bundleCurrent,
  bundleEdited,
  lowerThresholdPatched,
  lowerThresholdUnpatched,
} from '../support/workflow-builds.js';

let w: BuildWorkers;
let buildA: string;
let buildB: string;
let buildBUnpatched: string;
beforeAll(async () => {
  w = await openBuildWorkers();
  // Three webpack bundles, one after another: two cores are shared with other test files.
  buildA = await bundleCurrent();
  buildB = await bundleEdited(lowerThresholdPatched);
  buildBUnpatched = await bundleEdited(lowerThresholdUnpatched);
});
afterAll(async () => w?.close());

async function until(
  boards: BoardClient,
  boardId: string,
  what: string,
  done: (s: BoardStatus) => boolean,
): Promise<BoardStatus> {
  return waitFor(what, async () => {
    const status = (await boards.snapshot(boardId, 5_000)).status;
    return status && done(status) ? status : undefined;
  });
}

async function within<T>(what: string, promise: Promise<T>, ms = 60_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)),
  );
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

const scheduledTasks = (history: History) =>
  (history.events ?? []).flatMap((e) =>
    e.activityTaskScheduledEventAttributes?.activityId ? [e.activityTaskScheduledEventAttributes.activityId] : [],
  );

/** Event ids of the patch markers `patched(id)` recorded. */
function patchMarkers(history: History, id: string): number[] {
  return (history.events ?? []).flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    const data = marker?.details?.['patch-data']?.payloads?.[0]?.data;
    if (marker?.markerName !== 'core_patch' || !data) return [];
    return (JSON.parse(Buffer.from(data).toString('utf8')) as { id?: string }).id === id
      ? [Number(String(e.eventId))]
      : [];
  });
}

async function runs(dir: string, id: string): Promise<number> {
  return (await fs.readFile(path.join(dir, `${id}.runs`), 'utf8').catch(() => '')).split('\n').filter(Boolean).length;
}

describe('upgrading the workflow under a running board', () => {
  it("a board started on build A finishes on build B; B's patched change applies only after the handover", async () => {
    const dir = await w.tempDir();
    const taskQueue = `upgrade-${randomUUID()}`;
    const ids = ['t1', 't2', 't3', 't4'];
    const gate = `while [ ! -f ${path.join(dir, 'go-t2')} ]; do sleep 0.05; done`;
    const board = makeBoard(
      `upgrade-${randomUUID().slice(0, 8)}`,
      dir,
      ids.map((id, i) => ({
        id,
        dependsOn: i > 0 ? [ids[i - 1]!] : [],
        command: `echo run >> ${id}.runs${id === 't2' ? `; ${gate}` : ''}`,
        retry: { maxAttempts: 1 },
      })),
      { maxParallel: 1 },
    );
    const boards = w.boards(taskQueue);
    const workflowId = boardWorkflowId(board.id);

    // Build A runs the board until t1 is done and t2 has finished with the board paused, so the
    // worker stops with no task in flight (a task in flight would be retried by B, which is
    // Temporal's own guarantee and not what this test is about).
    const a = await w.start(buildA, taskQueue);
    const { handle } = await boards.startOrAttach(board);
    await until(boards, board.id, 't2 to run on A', (s) => s.tasks.find((t) => t.id === 't2')?.state === 'running');
    await boards.pause(board.id);
    await fs.writeFile(path.join(dir, 'go-t2'), '');
    await until(boards, board.id, 't2 to finish on A', (s) => s.counts.succeeded === 2 && s.counts.running === 0);
    await a.stop();

    const [handover] = await fetchRunHistories(w.client, workflowId, 'latest');
    const handoverEvents = handover!.history.events!.length;
    // A's history is long past B's new threshold, yet it must replay on B unchanged.
    expect(handoverEvents).toBeGreaterThan(5);
    const [onB] = await replayRuns([handover!], { workflowBundle: { code: buildB } });
    expect(onB!.divergence).toBeUndefined();
    const [onUnpatched] = await replayRuns([handover!], { workflowBundle: { code: buildBUnpatched } });
    expect(onUnpatched!.divergence?.kind).toBe('nondeterminism');

    const b = await w.start(buildB, taskQueue);
    await boards.resume(board.id);
    const result = await within('the board to finish on B', handle.result());
    await b.stop();

    expect(result.state).toBe('completed');
    for (const id of ids) expect(await runs(dir, id), `${id} ran once`).toBe(1);
    const chain = await fetchRunHistories(w.client, workflowId, 'chain');
    // A's part: both its tasks in the first run, and no marker before the handover.
    expect(scheduledTasks(chain[0]!.history)).toEqual(['task-t1', 'task-t2']);
    const markers = patchMarkers(chain[0]!.history, LOWER_THRESHOLD_PATCH);
    expect(markers.length).toBe(1);
    expect(markers[0]).toBeGreaterThan(handoverEvents);
    // B's part: the first run continued as new right after the handover, then after each task.
    expect(chain.slice(1).map((run) => scheduledTasks(run.history))).toEqual([['task-t3'], ['task-t4']]);
    // And the whole chain, A's events and B's, replays on B: what the corpus checks in CI.
    const replayed = await replayRuns(chain, { workflowBundle: { code: buildB } });
    expect(replayed.map((r) => r.divergence)).toEqual(chain.map(() => undefined));
  });

  it("the same change without patched() fails to replay A's history, naming the divergence", async () => {
    const dir = await w.tempDir();
    const taskQueue = `upgrade-${randomUUID()}`;
    const board = makeBoard(`upgrade-naive-${randomUUID().slice(0, 8)}`, dir, [
      { id: 'first', command: 'true' },
      { id: 'second', dependsOn: ['first'], command: 'true' },
      { id: 'third', dependsOn: ['second'], command: 'true' },
    ]);
    const a = await w.start(buildA, taskQueue);
    const { handle } = await w.boards(taskQueue).startOrAttach(board);
    expect((await within('the board to finish on A', handle.result())).state).toBe('completed');
    await a.stop();

    const runsOfA = await fetchRunHistories(w.client, boardWorkflowId(board.id), 'chain');
    expect(runsOfA).toHaveLength(1);
    const [naive] = await replayRuns(runsOfA, { workflowBundle: { code: buildBUnpatched } });
    expect(naive!.divergence).toMatchObject({ kind: 'nondeterminism' });
    // The SDK names what differs: A scheduled the next task where B continues as new.
    expect(naive!.divergence!.reason).toMatch(/^\[TMPRL1100\] Nondeterminism error: .*ActivityTaskScheduled/);
    const [patched] = await replayRuns(runsOfA, { workflowBundle: { code: buildB } });
    expect(patched!.divergence).toBeUndefined();
  });
});
