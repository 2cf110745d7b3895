/** Activity stubs with the timeouts and retry policies the board asks for. */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { BoardSpec, TaskSpec } from '../src/core/board.js';
import { capabilityQueue } from '../src/core/capabilities.js';
import { FAILURE_TYPES } from './api.js';

/**
 * The task's own attempt: its retry policy and timeouts come from the board. A task that requires
 * capabilities goes to their queue, which only workers offering all of them poll; a plain task's
 * options carry no task queue, exactly as before `requires` existed, so recorded histories replay.
 */
export function taskActivities(task: TaskSpec, route?: Route) {
  return proxyActivities<Activities>({
    activityId: `task-${task.id}`,
    ...(task.requires?.length ? { taskQueue: capabilityQueue(workflowInfo().taskQueue, task.requires) } : {}),
    ...routed(route, task.heartbeatTimeoutMs),
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

/**
 * Worktree, commit and merge steps: idempotent, so Temporal may retry them freely after a crash;
 * a repository problem that retrying cannot fix is non-retryable. They heartbeat while git works,
 * so a dead worker is noticed as fast as the board's tasks notice it.
 */
export function gitActivities(board: BoardSpec, route?: Route) {
  const shortest = Math.min(...board.tasks.map((t) => t.heartbeatTimeoutMs));
  const heartbeatMs = Math.min(30_000, Math.max(2_000, shortest));
  return proxyActivities<Activities>({
    ...routed(route, heartbeatMs),
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: heartbeatMs,
    // Long enough to outlast a passing fault (a full disk, a server restart: about 2.5 minutes in
    // all), since a merge step given up on fails a task whose work is done; what no retry can fix
    // is non-retryable and fails at once.
    retry: {
      maximumAttempts: 10,
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '30s',
      nonRetryableErrorTypes: [FAILURE_TYPES.invalidTask, FAILURE_TYPES.gitConfig],
    },
  });
}

/**
 * A remote board's steps that must run where the task's worktree is: that worker's own queue.
 * `lostAfter` bounds how long a step may wait there: a live worker always polls its own queue,
 * so a step nobody takes is a worker that is gone, and the task reruns elsewhere.
 */
export interface Route {
  taskQueue: string;
  lostAfter?: boolean;
}

/** Three heartbeat timeouts, within 10 s and 2 minutes: the board's own word for how long silence means death. */
export function lostWorkerAfterMs(heartbeatMs: number): number {
  return Math.min(120_000, Math.max(10_000, 3 * heartbeatMs));
}

function routed(route: Route | undefined, heartbeatMs: number) {
  if (!route) return {};
  return {
    taskQueue: route.taskQueue,
    ...(route.lostAfter ? { scheduleToStartTimeout: lostWorkerAfterMs(heartbeatMs) } : {}),
  };
}

/**
 * Posting a notification: one request of at most 10 s an attempt, five attempts 1, 2, 4 and 8 s
 * apart, two minutes in all. Nothing waits for it but the board's very end (its last notifications).
 */
export function notifyActivities(options: { activityId: string; summary: string }) {
  return proxyActivities<Activities>({
    ...options,
    startToCloseTimeout: '15 seconds',
    scheduleToCloseTimeout: '2 minutes',
    retry: {
      maximumAttempts: 5,
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '8s',
      nonRetryableErrorTypes: [FAILURE_TYPES.notificationRefused],
    },
  });
}

/** Normalising a board document: quick, and a bad board is final (InvalidBoard is non-retryable). */
export function boardActivities() {
  return proxyActivities<Activities>({
    startToCloseTimeout: '1 minute',
    retry: { maximumAttempts: 3, initialInterval: '1s', nonRetryableErrorTypes: [FAILURE_TYPES.invalidBoard] },
  });
}
