/**
 * Starting, watching and cancelling boards from any Node program: the CLI is one user of this,
 * other services that trigger boards are another.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import {
  BOARD_WORKFLOW_TYPE,
  DEFAULT_TASK_QUEUE,
  boardWorkflowId,
  cancelBoardSignal,
  cancelTaskSignal,
  cancelTaskUpdate,
  statusQuery,
  type BoardWorkflowInput,
} from '../../workflows/api.js';
import type { boardWorkflow } from '../../workflows/index.js';
import type { BoardSpec } from '../core/board.js';
import type { BoardResult, BoardStatus, StatusRequest, TaskStatus } from '../core/run-state.js';
import { NotFoundError } from '../errors.js';
import { stuckWorkflow, type StuckWorkflow } from './stuck-workflow.js';

export type BoardHandle = WorkflowHandle<typeof boardWorkflow>;

export interface StartedBoard {
  handle: BoardHandle;
  /** True when a run of this board was already in progress and we joined it. */
  attached: boolean;
  /** The queue the board's workflow and tasks run on (the existing one's when attached). */
  taskQueue: string;
  /** Attached to a run that started from a different version of the board. */
  boardChanged: boolean;
}

export interface BoardSnapshot {
  /** Live status from the workflow, or the final result once it has closed. */
  status?: BoardStatus | BoardResult;
  description: WorkflowExecutionDescription;
  /** False when the board is running but no worker answered the query in time. */
  answered: boolean;
  /** Attempt numbers of running tasks, from the server's view of pending activities. */
  runningAttempts: Record<string, number>;
  /** Set when the board's workflow tasks keep failing, so it cannot make progress. */
  stuck?: StuckWorkflow;
}

/** Identifies a version of a board, so attaching to a run of an edited board can say so. */
export function boardHash(board: BoardSpec): string {
  return createHash('sha256').update(JSON.stringify(board)).digest('hex').slice(0, 16);
}

export class BoardClient {
  constructor(
    readonly client: Client,
    readonly taskQueue: string = DEFAULT_TASK_QUEUE,
  ) {}

  handle(boardId: string): BoardHandle {
    return this.client.workflow.getHandle<typeof boardWorkflow>(boardWorkflowId(boardId));
  }

  /**
   * Starts the board, or joins the run already in progress: the workflow id comes from the
   * board id, so a second `todone run` can never start a duplicate.
   */
  async startOrAttach(board: BoardSpec, tuning: Pick<BoardWorkflowInput, 'continueAfterEvents'> = {}): Promise<StartedBoard> {
    const input: BoardWorkflowInput = { board, ...tuning };
    try {
      const handle = await this.client.workflow.start<typeof boardWorkflow>(BOARD_WORKFLOW_TYPE, {
        workflowId: boardWorkflowId(board.id),
        taskQueue: this.taskQueue,
        args: [input],
        workflowIdConflictPolicy: 'FAIL',
        staticSummary: `${board.name} (${board.tasks.length} tasks)`,
        memo: { boardHash: boardHash(board) },
      });
      return { handle, attached: false, taskQueue: this.taskQueue, boardChanged: false };
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      const handle = this.handle(board.id);
      const description = await handle.describe();
      const boardChanged = description.memo?.boardHash !== boardHash(board);
      return { handle, attached: true, taskQueue: description.taskQueue, boardChanged };
    }
  }

  /** What the server knows of the board's workflow, without asking a worker. */
  async describe(boardId: string): Promise<WorkflowExecutionDescription> {
    const handle = this.handle(boardId);
    try {
      return await handle.describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) throw new NotFoundError(`no board "${boardId}" found (workflow ${handle.workflowId})`);
      throw error;
    }
  }

  /**
   * The board as the server and the workflow see it. `request` chooses which tasks the status
   * holds (see StatusRequest); a finished board answers with its result.
   */
  async snapshot(boardId: string, queryTimeoutMs = 3_000, request?: StatusRequest): Promise<BoardSnapshot> {
    const handle = this.handle(boardId);
    const description = await this.describe(boardId);
    const runningAttempts: Record<string, number> = {};
    for (const pending of description.raw.pendingActivities ?? []) {
      const taskId = pending.activityId?.replace(/^task-/, '');
      if (taskId) runningAttempts[taskId] = pending.attempt ?? 1;
    }
    if (description.status.name !== 'RUNNING') {
      const status = description.status.name === 'COMPLETED' ? await handle.result() : undefined;
      return { status, description, answered: true, runningAttempts };
    }
    const stuck = await stuckWorkflow(this.client, description);
    if (stuck) return { description, answered: false, runningAttempts, stuck };
    try {
      const status = await this.client.withDeadline(Date.now() + queryTimeoutMs, () => handle.query(statusQuery, request));
      return { status, description, answered: true, runningAttempts };
    } catch {
      return { description, answered: false, runningAttempts };
    }
  }

  /**
   * Follows a running board: asks only for what changed since the last answer and keeps every
   * task's latest status, so watching a 10,000-task board costs what changes, not the board.
   * Calls `onStatus` with the merged picture after each round (undefined while no worker
   * answers), until the board ends or `signal` aborts; returns the board's result, or undefined
   * when aborted first.
   */
  async follow(
    boardId: string,
    onStatus: (status: BoardStatus | undefined, snapshot: BoardSnapshot) => void,
    options: { intervalMs?: number; signal?: AbortSignal; queryTimeoutMs?: number } = {},
  ): Promise<BoardResult | undefined> {
    const tasks = new Map<string, TaskStatus>();
    // Every task has changed since -1: the first round fetches the whole board, in pages.
    let cursor = -1;
    while (!options.signal?.aborted) {
      let offset = 0;
      let roundSeq: number | undefined;
      let last: { status?: BoardStatus | BoardResult; snapshot: BoardSnapshot };
      do {
        const snapshot = await this.snapshot(boardId, options.queryTimeoutMs, { changedSince: cursor, offset });
        last = { snapshot, ...(snapshot.status ? { status: snapshot.status } : {}) };
        const status = snapshot.status;
        if (!status) break;
        if ('metrics' in status) {
          onStatus(status, snapshot);
          return status;
        }
        // Changes made while later pages are read have a higher number: the next round gets them.
        roundSeq ??= status.seq;
        for (const task of status.tasks) tasks.set(task.id, task);
        offset += status.tasks.length;
        if (!status.page?.more || status.tasks.length === 0) break;
      } while (!options.signal?.aborted);
      if (roundSeq !== undefined) cursor = roundSeq;
      const status = last.status;
      onStatus(status ? { ...status, tasks: [...tasks.values()], page: undefined } : undefined, last.snapshot);
      await sleep(options.intervalMs ?? 500, undefined, { signal: options.signal }).catch(() => undefined);
    }
    return undefined;
  }

  async cancelBoard(boardId: string, reason = 'cancelled by request'): Promise<void> {
    await this.handle(boardId).signal(cancelBoardSignal, reason);
  }

  /**
   * Cancels one task. The update answers whether it took effect; when no worker is there to
   * answer, the signal is queued in history and applies as soon as the board resumes.
   */
  async cancelTask(
    boardId: string,
    taskId: string,
    reason = 'cancelled by request',
    timeoutMs = 5_000,
  ): Promise<{ accepted: boolean; state: string; queued: boolean }> {
    const handle = this.handle(boardId);
    try {
      const answer = await this.client.withDeadline(Date.now() + timeoutMs, () =>
        handle.executeUpdate(cancelTaskUpdate, { args: [{ taskId, reason }] }),
      );
      return { ...answer, queued: false };
    } catch (error) {
      if (error instanceof Error && /unknown task/.test(error.message)) {
        throw new NotFoundError(`board "${boardId}" has no task "${taskId}"`);
      }
      await handle.signal(cancelTaskSignal, taskId, reason);
      return { accepted: true, state: 'queued', queued: true };
    }
  }

  async result(boardId: string): Promise<BoardResult> {
    return this.handle(boardId).result();
  }
}
