/**
 * Starting, watching and cancelling boards from any Node program: the CLI is one user of this,
 * other services that trigger boards are another.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import os from 'node:os';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  isGrpcDeadlineError,
  isGrpcServiceError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowStartOptions,
  type WorkflowHandle,
} from '@temporalio/client';
import type { SearchAttributePair, UpdateDefinition } from '@temporalio/common';
import {
  BOARD_WORKFLOW_TYPE,
  DEFAULT_TASK_QUEUE,
  boardWorkflowId,
  cancelBoardSignal,
  cancelTaskSignal,
  cancelTaskUpdate,
  addTasksUpdate,
  pauseUpdate,
  resumeUpdate,
  retryTasksUpdate,
  approveTaskUpdate,
  rejectTaskUpdate,
  type DecisionAnswer,
  setBreakpointUpdate,
  setMaxParallelUpdate,
  statusQuery,
  type BoardWorkflowInput,
} from '../../workflows/api.js';
import {
  BOARD_ID_ATTRIBUTE,
  BOARD_NAME_ATTRIBUTE,
  REPO_ATTRIBUTE,
  STATE_ATTRIBUTE,
} from '../../workflows/search-attributes.js';
import { normaliseBoard } from '../board/load.js';
import type { boardWorkflow } from '../../workflows/index.js';
import type { BoardSpec, TaskSpec } from '../core/board.js';
import type { BoardResult, BoardState, BoardStatus, StatusRequest, TaskStatus } from '../core/run-state.js';
import { planResume } from '../core/resume.js';
import { NotFoundError, NotRunningError, SteeringRefused } from '../errors.js';
import { todoneVersion } from '../version.js';
import { capabilityWaits, type CapabilityWait } from './capability-waits.js';
import { failingWorkflow, stuckWorkflow, type StuckWorkflow } from './stuck-workflow.js';

export type BoardHandle = WorkflowHandle<typeof boardWorkflow>;

/**
 * How a cancellation went: the workflow took it (`cancelled`: its tasks are being stopped, or it
 * had ended), no worker answered in time (`queued`: it applies when one serves the board), or the
 * workflow could not read it and was terminated (`terminated`, with why).
 */
export type BoardCancellation =
  { how: 'cancelled' } | { how: 'queued' } | { how: 'terminated'; failing: StuckWorkflow };

export interface StartedBoard {
  handle: BoardHandle;
  /** True when a run of this board was already in progress and we joined it. */
  attached: boolean;
  /** The queue the board's workflow and tasks run on (the existing one's when attached). */
  taskQueue: string;
  /** Attached to a run that started from a different version of the board. */
  boardChanged: boolean;
  /** Attached to a run started by another version of Todone (its version). */
  startedByVersion?: string;
  /**
   * A new run that resumes the last one: what it keeps. A completed board whose every task is kept
   * is up to date: its new run only confirms it and ends at once.
   */
  resumed?: { runId: string; state: BoardState; kept: number; rerun: number; cached: number; total: number };
  /** A new run that starts over although an earlier run exists, and why. */
  startedOver?: string;
  /**
   * False when the namespace has no Todone search attributes registered (a cluster whose operator
   * has not run the command in docs/CONTRACT.md): the board runs, but visibility queries miss it.
   */
  searchable?: boolean;
}

export interface StartOptions extends Pick<BoardWorkflowInput, 'continueAfterEvents'> {
  /** Start over instead of resuming the last run, whatever it ended as (git boards: the integration branch goes back to base). */
  fresh?: boolean;
}

/** Starting from a board document (the YAML's fields as JSON), as a service that received one does. */
export interface DocumentStartOptions extends StartOptions {
  /** The folder the document's relative paths (workdir, repo, ...) start from, on the workers' machines. */
  baseDir: string;
  /** Command-line style overrides: they win over what the document says. */
  overrides?: BoardWorkflowInput['overrides'];
  /** Names the document in error messages (a request id, a file name); default "the board document". */
  source?: string;
}

export interface SteerOptions {
  /** Recorded with the change; default `user@host` of this process. */
  by?: string;
  /** How long to wait for the board to answer (a worker must be serving it); default 15 s. */
  timeoutMs?: number;
}

/** temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED (@temporalio/proto is CommonJS: no named ESM import). */
const PENDING_ACTIVITY_STARTED = 2;

/** Who is asking, for the board's record of changes: `user@host`. */
export function requester(): string {
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    // No passwd entry (some containers): the host still says where it came from.
  }
  return `${user}@${os.hostname()}`;
}

export interface BoardSnapshot {
  /** Live status from the workflow, or the final result once it has closed. */
  status?: BoardStatus | BoardResult;
  description: WorkflowExecutionDescription;
  /** False when the board is running but no worker answered the query in time. */
  answered: boolean;
  /** Attempt numbers of running tasks, from the server's view of pending activities. */
  runningAttempts: Record<string, number>;
  /** The worker (machine and process) running each started task's current attempt, from the same view. */
  runningHosts: Record<string, string>;
  /** Set when the board's workflow tasks keep failing, so it cannot make progress. */
  stuck?: StuckWorkflow;
  /** Running tasks whose activity waits for a worker offering what they require: none is polling for them. */
  waiting?: CapabilityWait[];
}

/** Identifies a version of a board, so attaching to a run of an edited board can say so. */
export function boardHash(board: BoardSpec): string {
  return createHash('sha256').update(JSON.stringify(board)).digest('hex').slice(0, 16);
}

/** What visibility queries find the board by (workflows/search-attributes.ts). */
export function boardSearchAttributes(board: BoardSpec): SearchAttributePair[] {
  return [
    { key: BOARD_ID_ATTRIBUTE, value: board.id },
    { key: BOARD_NAME_ATTRIBUTE, value: board.name },
    ...(board.git ? [{ key: REPO_ATTRIBUTE, value: board.git.repo }] : []),
    { key: STATE_ATTRIBUTE, value: 'running' },
  ];
}

/** The Web UI's "details" of a board's run: what it is, fixed at start (its progress is in the current details). */
function boardDigest(board: BoardSpec): string {
  return [
    `**${board.name}** (\`${board.id}\`): ${board.tasks.length} tasks, up to ${board.maxParallel} at once, ${board.policy} scheduling`,
    ...(board.goal ? [`Goal: ${board.goal}`] : []),
    board.git
      ? `Repository \`${board.git.repo}\`${board.git.base ? ` from \`${board.git.base}\`` : ''}, ${board.git.strategy} into the integration branch`
      : `Folder \`${board.workdir}\``,
    `Started by Todone ${todoneVersion()}`,
  ].join('\n\n');
}

/** gRPC INVALID_ARGUMENT about a search attribute: the namespace does not have it. */
function isUnregisteredAttribute(error: unknown): boolean {
  const cause = error instanceof Error && !isGrpcServiceError(error) ? error.cause : error;
  return (
    isGrpcServiceError(cause) &&
    (cause.code as number) === INVALID_ARGUMENT &&
    /search attribute/i.test(cause.details ?? cause.message)
  );
}

const INVALID_ARGUMENT: number = 3;

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
  async startOrAttach(board: BoardSpec, options: StartOptions = {}): Promise<StartedBoard> {
    return this.startRun(board, { board }, options);
  }

  /**
   * Starts a board from its document as written (what a webhook or a scheduler holds), or joins
   * its run in progress. The document is checked here first, so a bad board throws an
   * InvalidInputError listing every problem before anything starts; the workflow then normalises
   * it again on a worker, where `baseDir` and the board's paths must exist. The board id is the
   * loader's (`id`, or the slugified `name`), so a second start of the same board joins the first.
   */
  async startDocument(document: unknown, options: DocumentStartOptions): Promise<StartedBoard & { board: BoardSpec }> {
    const { baseDir, overrides, source, ...startOptions } = options;
    const board = normaliseBoard(document, {
      source: source ?? 'the board document',
      baseDir,
      ...(overrides?.maxParallel !== undefined ? { maxParallel: overrides.maxParallel } : {}),
      ...(overrides?.policy !== undefined ? { policy: overrides.policy } : {}),
    });
    const started = await this.startRun(
      board,
      { document, baseDir, ...(overrides ? { overrides } : {}) },
      startOptions,
    );
    return { ...started, board };
  }

  private async startRun(
    board: BoardSpec,
    content: Pick<BoardWorkflowInput, 'board' | 'document' | 'baseDir' | 'overrides'>,
    options: StartOptions,
  ): Promise<StartedBoard> {
    const { fresh, ...tuning } = options;
    const previous = await this.previousRun(board, fresh === true);
    const input: BoardWorkflowInput = {
      ...content,
      ...tuning,
      ...(previous.resume ? { resume: previous.resume } : {}),
      ...(fresh ? { fresh: true } : {}),
    };
    const start: WorkflowStartOptions<typeof boardWorkflow> = {
      workflowId: boardWorkflowId(board.id),
      taskQueue: this.taskQueue,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
      staticSummary: `${board.name} (${board.tasks.length} tasks)`,
      staticDetails: boardDigest(board),
      memo: { boardHash: boardHash(board), todoneVersion: todoneVersion() },
    };
    try {
      const { handle, searchable } = await this.startSearchable(start, board);
      return {
        handle,
        attached: false,
        taskQueue: this.taskQueue,
        boardChanged: false,
        searchable,
        ...(previous.resumed ? { resumed: previous.resumed } : {}),
        ...(previous.startedOver ? { startedOver: previous.startedOver } : {}),
      };
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      const handle = this.handle(board.id);
      const description = await handle.describe();
      const boardChanged = description.memo?.boardHash !== boardHash(board);
      const version =
        typeof description.memo?.todoneVersion === 'string' ? description.memo.todoneVersion : 'an earlier version';
      return {
        handle,
        attached: true,
        taskQueue: description.taskQueue,
        boardChanged,
        ...(version !== todoneVersion() ? { startedByVersion: version } : {}),
      };
    }
  }

  /**
   * Starts with the board's search attributes; a namespace that has none registered refuses them,
   * and the board then starts without (it runs the same, only visibility queries miss it).
   */
  private async startSearchable(
    start: WorkflowStartOptions<typeof boardWorkflow>,
    board: BoardSpec,
  ): Promise<{ handle: BoardHandle; searchable: boolean }> {
    try {
      const handle = await this.client.workflow.start<typeof boardWorkflow>(BOARD_WORKFLOW_TYPE, {
        ...start,
        typedSearchAttributes: boardSearchAttributes(board),
      });
      return { handle, searchable: true };
    } catch (error) {
      if (!isUnregisteredAttribute(error)) throw error;
      return {
        handle: await this.client.workflow.start<typeof boardWorkflow>(BOARD_WORKFLOW_TYPE, start),
        searchable: false,
      };
    }
  }

  /**
   * How a new run relates to the last one: unless `fresh`, a run that ended with a result (completed,
   * failed or cancelled) is resumed, its unchanged successes kept; one that ended without (terminated,
   * timed out) starts over.
   */
  private async previousRun(
    board: BoardSpec,
    fresh: boolean,
  ): Promise<{
    resume?: NonNullable<BoardWorkflowInput['resume']>;
    resumed?: StartedBoard['resumed'];
    startedOver?: string;
  }> {
    const handle = this.handle(board.id);
    let description: WorkflowExecutionDescription;
    try {
      description = await handle.describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return {};
      throw error;
    }
    const closed = description.status.name;
    if (closed === 'RUNNING') return {};
    if (fresh) return { startedOver: 'asked to start fresh' };
    if (closed !== 'COMPLETED')
      return {
        startedOver: `its last run ended ${closed.toLowerCase().replace(/_/g, ' ')}, with no result to resume from`,
      };
    // A failed or cancelled run is resumed; a completed one is brought up to date the same way:
    // what is unchanged is kept, what changed runs with its dependents.
    const result = await handle.result();
    const plan = planResume(board, result.tasks);
    return {
      resume: { tasks: result.tasks, runId: description.runId, state: result.state },
      resumed: {
        runId: description.runId,
        state: result.state,
        kept: plan.kept.length,
        rerun: plan.rerun.length,
        cached: plan.cached.length,
        total: board.tasks.length,
      },
    };
  }

  /** What the server knows of the board's workflow, without asking a worker. */
  async describe(boardId: string): Promise<WorkflowExecutionDescription> {
    const handle = this.handle(boardId);
    try {
      return await handle.describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError)
        throw new NotFoundError(`no board "${boardId}" found (workflow ${handle.workflowId})`);
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
    const runningHosts: Record<string, string> = {};
    for (const pending of description.raw.pendingActivities ?? []) {
      const taskId = pending.activityId?.replace(/^task-/, '');
      if (!taskId) continue;
      runningAttempts[taskId] = pending.attempt ?? 1;
      // Set while an attempt runs; after a failure it names the worker of the attempt that failed.
      if (Number(pending.state) === PENDING_ACTIVITY_STARTED && pending.lastWorkerIdentity) {
        runningHosts[taskId] = pending.lastWorkerIdentity;
      }
    }
    const seen = { runningAttempts, runningHosts };
    if (description.status.name !== 'RUNNING') {
      const status = description.status.name === 'COMPLETED' ? await handle.result() : undefined;
      return { status, description, answered: true, ...seen };
    }
    const stuck = await stuckWorkflow(this.client, description);
    if (stuck) return { description, answered: false, ...seen, stuck };
    let status: BoardStatus | undefined;
    try {
      status = await this.client.withDeadline(Date.now() + queryTimeoutMs, () => handle.query(statusQuery, request));
    } catch {
      // No worker answered in time: `answered` says so.
    }
    const waiting = await this.capabilityWaits(description, status?.tasks);
    return {
      ...(status ? { status } : {}),
      description,
      answered: status !== undefined,
      ...seen,
      ...(waiting.length ? { waiting } : {}),
    };
  }

  /**
   * The running board's status from its workflow alone (no description of it from the server),
   * or undefined when no worker answered in time: the cheap poll between full snapshots.
   */
  async queryStatus(
    boardId: string,
    request?: StatusRequest,
    queryTimeoutMs = 3_000,
  ): Promise<BoardStatus | undefined> {
    try {
      return await this.client.withDeadline(Date.now() + queryTimeoutMs, () =>
        this.handle(boardId).query(statusQuery, request),
      );
    } catch {
      return undefined;
    }
  }

  /** Best effort, bounded: a server that will not describe task queues leaves the status as it was. */
  private async capabilityWaits(
    description: WorkflowExecutionDescription,
    tasks: readonly TaskStatus[] | undefined,
  ): Promise<CapabilityWait[]> {
    try {
      return await this.client.withDeadline(Date.now() + 3_000, () => capabilityWaits(this.client, description, tasks));
    } catch {
      return [];
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

  /**
   * Cancels the board: its workflow stops the running tasks and starts nothing new. A board whose
   * workflow task keeps failing (workers whose code cannot replay its history, a payload over the
   * server's limit, a bug) never reads the signal, so it is terminated instead, with the reason:
   * its running tasks stop at their next heartbeat. Waits (bounded) to tell which happened; a
   * board no worker serves keeps the cancellation for when one does.
   */
  async cancelBoard(
    boardId: string,
    reason = 'cancelled by request',
    options: { waitMs?: number } = {},
  ): Promise<BoardCancellation> {
    const handle = this.handle(boardId);
    const failing = await failingWorkflow(this.client, await this.describe(boardId));
    if (failing) return this.terminateFailing(handle, reason, failing);
    await handle.signal(cancelBoardSignal, reason);
    const deadline = Date.now() + (options.waitMs ?? 10_000);
    for (;;) {
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING') return { how: 'cancelled' };
      const failingNow = await failingWorkflow(this.client, description);
      if (failingNow) return this.terminateFailing(handle, reason, failingNow);
      const status = await this.client
        .withDeadline(Date.now() + 1_000, () => handle.query(statusQuery, { ids: [] }))
        .catch(() => undefined);
      if (status && status.state !== 'running' && status.state !== 'starting') return { how: 'cancelled' };
      if (Date.now() >= deadline) return { how: 'queued' };
      await sleep(250);
    }
  }

  private async terminateFailing(
    handle: BoardHandle,
    reason: string,
    failing: StuckWorkflow,
  ): Promise<BoardCancellation> {
    const why = [failing.cause?.replace(/^WORKFLOW_TASK_FAILED_CAUSE_/, ''), failing.message]
      .filter(Boolean)
      .join(': ');
    await handle.terminate(`${reason}; its workflow task keeps failing${why ? ` (${why})` : ''}, so it was terminated`);
    return { how: 'terminated', failing };
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

  /** Failed, conflicted or cancelled tasks run again with fresh attempts; the dependents they skipped come back. */
  async retryTasks(
    boardId: string,
    taskIds: string[],
    options: SteerOptions = {},
  ): Promise<{ retried: string[]; revived: string[] }> {
    return this.steer(boardId, retryTasksUpdate, { taskIds, by: options.by ?? requester() }, options);
  }

  /** Adds tasks (normalised by the loader) to the running board. */
  async addTasks(boardId: string, tasks: TaskSpec[], options: SteerOptions = {}): Promise<{ added: string[] }> {
    return this.steer(boardId, addTasksUpdate, { tasks, by: options.by ?? requester() }, options);
  }

  async pause(boardId: string, options: SteerOptions = {}): Promise<{ paused: boolean }> {
    return this.steer(boardId, pauseUpdate, { by: options.by ?? requester() }, options);
  }

  async resume(boardId: string, options: SteerOptions = {}): Promise<{ paused: boolean }> {
    return this.steer(boardId, resumeUpdate, { by: options.by ?? requester() }, options);
  }

  /** Pauses the board before `taskId` starts (running tasks go on); `resume` goes on past it. */
  async setBreakpoint(boardId: string, taskId: string, options: SteerOptions = {}): Promise<{ breakpoints: string[] }> {
    return this.steer(boardId, setBreakpointUpdate, { taskId, by: options.by ?? requester() }, options);
  }

  /** Approves a task waiting at its approval gate: it starts, or its work is integrated and its dependents start. */
  async approveTask(
    boardId: string,
    taskId: string,
    options: SteerOptions & { comment?: string } = {},
  ): Promise<DecisionAnswer> {
    const { comment } = options;
    return this.steer(
      boardId,
      approveTaskUpdate,
      { taskId, ...(comment !== undefined ? { comment } : {}), by: options.by ?? requester() },
      options,
    );
  }

  /**
   * Rejects a task waiting at its approval gate: its work goes back to it with `comment` (its next
   * run's prompt and TODONE_FEEDBACK), or with `final` it fails and its dependents are skipped.
   */
  async rejectTask(
    boardId: string,
    taskId: string,
    comment: string,
    options: SteerOptions & { final?: boolean } = {},
  ): Promise<DecisionAnswer> {
    return this.steer(
      boardId,
      rejectTaskUpdate,
      { taskId, comment, ...(options.final ? { final: true } : {}), by: options.by ?? requester() },
      options,
    );
  }

  async setMaxParallel(
    boardId: string,
    maxParallel: number,
    options: SteerOptions = {},
  ): Promise<{ maxParallel: number }> {
    return this.steer(boardId, setMaxParallelUpdate, { maxParallel, by: options.by ?? requester() }, options);
  }

  /**
   * Sends an update and waits (bounded) for its answer. A refusal by the workflow's validator
   * becomes a SteeringRefused with its reason; a board that is not running, or that no worker
   * serves, is said as such.
   */
  private async steer<Ret, Arg>(
    boardId: string,
    update: UpdateDefinition<Ret, [Arg]>,
    arg: Arg,
    options: SteerOptions,
  ): Promise<Ret> {
    const description = await this.describe(boardId);
    if (description.status.name !== 'RUNNING') {
      throw new NotRunningError(
        `board "${boardId}" is not running (its last run is ${description.status.name.toLowerCase()}): run it again to resume it`,
      );
    }
    const handle = this.handle(boardId);
    const timeoutMs = options.timeoutMs ?? 15_000;
    try {
      return await this.client.withDeadline(Date.now() + timeoutMs, () =>
        handle.executeUpdate(update, { args: [arg] }),
      );
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) {
        const reason = error.cause instanceof Error ? error.cause.message : error.message;
        throw new SteeringRefused(`board "${boardId}" refused: ${reason}`);
      }
      if (isGrpcDeadlineError(error)) {
        throw new NotRunningError(
          `board "${boardId}" did not answer within ${Math.round(timeoutMs / 1000)} s: is a worker serving task queue "${description.taskQueue}"? (todone worker, or todone run)`,
        );
      }
      throw error;
    }
  }
}
