/**
 * One board, one workflow. The workflow decides (a BoardScheduler from the pure core) and the
 * activities do. Each task is one activity whose Temporal retry policy comes from the board;
 * tasks start the moment their dependencies succeed, up to maxParallel at once.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  condition,
  continueAsNew,
  isCancellation,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { TaskAttemptFailure, TaskAttemptResult } from '../activities/types.js';
import { FAILURE_TYPES } from '../activities/types.js';
import type { BoardSpec, TaskSpec } from '../src/core/board.js';
import { computeMetrics, type BoardResult, type BoardState, type BoardStatus, type TaskStatus } from '../src/core/run-state.js';
import { BoardScheduler, type Outcome } from '../src/core/scheduler.js';
import { cancelBoardSignal, cancelTaskSignal, cancelTaskUpdate, statusQuery } from '../temporal/names.js';

export interface BoardWorkflowInput {
  board: BoardSpec;
  /** Present when this run continues an earlier one (continue-as-new). */
  carried?: { startedAt: number; tasks: TaskStatus[] };
  /** History events after which the run drains and continues as new (tests lower it). */
  continueAfterEvents?: number;
}

/**
 * Past this many history events the workflow drains its running tasks and continues as new,
 * long before Temporal's 51,200-event hard limit.
 */
const DEFAULT_CONTINUE_AFTER_EVENTS = 20_000;

export async function boardWorkflow(input: BoardWorkflowInput): Promise<BoardResult> {
  const { board } = input;
  const scheduler = new BoardScheduler(board, input.carried?.tasks);
  const startedAt = input.carried?.startedAt ?? Date.now();
  const scopes = new Map<string, CancellationScope>();
  let boardState: BoardState = 'running';
  let changed = false;

  const status = (): BoardStatus => ({
    boardId: board.id,
    name: board.name,
    policy: board.policy,
    maxParallel: board.maxParallel,
    state: boardState,
    startedAt,
    counts: scheduler.counts,
    tasks: scheduler.snapshot(),
  });

  const cancelTask = (taskId: string, reason: string): { accepted: boolean; state: string } => {
    const current = scheduler.statusOf(taskId);
    if (!current) return { accepted: false, state: 'unknown' };
    if (current.state === 'running') {
      scopes.get(taskId)?.cancel();
      cancelReasons.set(taskId, reason);
      return { accepted: true, state: 'cancelling' };
    }
    if (current.state === 'pending') {
      scheduler.cancelPending(taskId, reason, Date.now());
      changed = true;
      return { accepted: true, state: 'cancelled' };
    }
    return { accepted: false, state: current.state };
  };
  const cancelReasons = new Map<string, string>();

  setHandler(statusQuery, status);
  setHandler(cancelTaskSignal, (taskId, reason) => void cancelTask(taskId, reason ?? 'cancelled by request'));
  setHandler(cancelTaskUpdate, ({ taskId, reason }) => cancelTask(taskId, reason ?? 'cancelled by request'), {
    validator: ({ taskId }: { taskId: string }) => {
      if (!scheduler.statusOf(taskId)) throw new Error(`unknown task "${taskId}"`);
    },
  });
  setHandler(cancelBoardSignal, (reason) => {
    if (boardState !== 'running') return;
    boardState = 'cancelling';
    const why = reason ?? 'board cancelled';
    scheduler.cancelAllPending(why, Date.now());
    for (const [taskId, scope] of scopes) {
      cancelReasons.set(taskId, why);
      scope.cancel();
    }
    changed = true;
  });

  const runOne = async (task: TaskSpec): Promise<void> => {
    const scope = new CancellationScope();
    scopes.set(task.id, scope);
    try {
      const result = await scope.run(() => activitiesFor(task).runTask({
        boardId: board.id,
        taskId: task.id,
        type: task.type,
        description: task.description,
        workdir: board.workdir,
        agent: task.agent,
      }));
      scheduler.succeed(task.id, outcomeOf(result), Date.now());
    } catch (error) {
      const cancelled = isCancellation(error);
      const outcome = failureOutcome(error, task, cancelled ? cancelReasons.get(task.id) : undefined);
      scheduler.fail(task.id, cancelled ? 'cancelled' : 'failed', outcome, Date.now());
    } finally {
      scopes.delete(task.id);
      changed = true;
    }
  };

  for (;;) {
    const draining = boardState === 'running' && shouldContinueAsNew(input.continueAfterEvents ?? DEFAULT_CONTINUE_AFTER_EVENTS);
    if (!draining && boardState === 'running') {
      for (const id of scheduler.startNext(Date.now())) {
        // runOne never rejects: every outcome lands in the scheduler and wakes the loop.
        void runOne(scheduler.task(id)!);
      }
    }
    if (scheduler.running === 0 && (draining || scheduler.done)) break;
    changed = false;
    await condition(() => changed);
  }

  if (boardState === 'running' && !scheduler.done) {
    // Running tasks were drained first: an activity cannot outlive the run that scheduled it.
    await continueAsNew<typeof boardWorkflow>({ ...input, carried: { startedAt, tasks: scheduler.snapshot() } });
  }

  const endedAt = Date.now();
  const counts = scheduler.counts;
  const finalState: BoardState =
    (boardState as BoardState) === 'cancelling' ? 'cancelled' : counts.succeeded === counts.total ? 'completed' : 'failed';
  boardState = finalState;
  const tasks = scheduler.snapshot();
  return { ...status(), state: finalState, endedAt, tasks, metrics: computeMetrics(tasks, startedAt, endedAt) };
}

function shouldContinueAsNew(limit: number): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > limit;
}

function activitiesFor(task: TaskSpec) {
  return proxyActivities<Activities>({
    activityId: `task-${task.id}`,
    summary: `${task.id}: ${task.description}`.slice(0, 200),
    startToCloseTimeout: task.timeoutMs,
    heartbeatTimeout: task.heartbeatTimeoutMs,
    retry: {
      maximumAttempts: task.retry.maxAttempts,
      initialInterval: task.retry.initialIntervalMs,
      backoffCoefficient: task.retry.backoffCoefficient,
      maximumInterval: task.retry.maxIntervalMs,
      nonRetryableErrorTypes: [FAILURE_TYPES.invalidTask],
    },
  });
}

/** A success keeps no output tail: the log file has it, and 10,000 tails would bloat every status. */
function outcomeOf(result: TaskAttemptResult): Outcome {
  return {
    attempts: result.attempt,
    durationMs: result.durationMs,
    exitCode: result.exitCode,
    logPath: result.logPath,
  };
}

/** Turns whatever ended the activity into a reason a person can act on. */
function failureOutcome(error: unknown, task: TaskSpec, cancelReason: string | undefined): Outcome {
  if (cancelReason !== undefined || isCancellation(error)) {
    return { attempts: 0, reason: cancelReason ?? 'cancelled' , ...attemptDetails(error) };
  }
  const cause = error instanceof ActivityFailure ? error.cause : error;
  const details = attemptDetails(error);
  if (cause instanceof TimeoutFailure) {
    const limit = cause.timeoutType === 'HEARTBEAT' ? task.heartbeatTimeoutMs : task.timeoutMs;
    return { attempts: task.retry.maxAttempts, ...details, reason: `timed out (${cause.timeoutType ?? 'timeout'}, limit ${limit}ms)` };
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return { attempts: details.attempts ?? task.retry.maxAttempts, ...details, reason: message };
}

function attemptDetails(error: unknown): Partial<Outcome> & { attempts?: number } {
  let cause: unknown = error;
  while (cause instanceof Error) {
    if (cause instanceof ApplicationFailure) {
      const detail = cause.details?.[0] as TaskAttemptFailure | undefined;
      if (detail && typeof detail.attempt === 'number') {
        return {
          attempts: detail.attempt,
          durationMs: detail.durationMs,
          exitCode: detail.exitCode,
          logPath: detail.logPath,
          outputTail: detail.outputTail,
        };
      }
    }
    cause = cause.cause;
  }
  return {};
}
