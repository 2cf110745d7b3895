/**
 * Fails over, at once, the attempts a dead worker of this machine held. Without this a board
 * resumed after `todone run` was SIGKILLed waits out each task's heartbeat timeout before the
 * next attempt starts. Temporal lets a client fail an activity by workflow and activity id; the
 * failure counts as an attempt, and the task's retry policy (its backoff, its maxAttempts) decides
 * what follows. Only attempts whose last worker is known dead are touched: a worker of this host
 * with a record under the data folder and no live process behind it. Live workers, other hosts'
 * workers, and workers with no record are left to the heartbeat timeout.
 */
import path from 'node:path';
import { ApplicationFailure, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { killLeftover } from '../activities/process/process-group.js';
import { listBoardExecutions } from '../temporal/board-executions.js';
import {
  PENDING_STARTED,
  PENDING_UNSPECIFIED,
  pendingActivity,
  type PendingActivityInfo,
  type PendingActivityState,
} from '../temporal/pending-activity.js';
import { taskDataDir } from '../src/data-dir.js';
import { BOARD_WORKFLOW_TYPE, boardWorkflowId } from '../workflows/api.js';
import { isDeadWorker, readWorkerRecord, tidyWorkerRecords, type WorkerRecord } from './worker-registry.js';

/** The failure type a failed-over attempt ends with. */
export const WORKER_DIED = 'WorkerDied';

const TASK_ACTIVITY_PREFIX = 'task-';
const BOARD_WORKFLOW_PREFIX = boardWorkflowId('');

export interface FailedOver {
  workflowId: string;
  activityId: string;
  /** The board task whose attempt this was; unset for the board's git steps. */
  taskId?: string;
  attempt: number;
  identity: string;
  /** The leftover process group that was stopped first, if one was still recorded. */
  killedPid?: number;
}

export interface FailoverOptions {
  client: Client;
  /** Todone's data folder: worker records and task pid files. */
  home: string;
  /** Board workflows to look at (`todone-board-<board id>`). */
  workflowIds: string[];
  /** Where the one line saying what was failed over (or why it could not be) goes. */
  log?: (line: string) => void;
}

/** What a pending activity needs to say for the decision: its state and its last worker. */
export interface PendingAttempt {
  activityId: string;
  state: PendingActivityState;
  attempt: number;
  lastWorkerIdentity: string;
}

/** The attempts to fail over: started, and held by a worker whose record says it is dead. */
export function attemptsOfDeadWorkers(
  pending: PendingAttempt[],
  records: ReadonlyMap<string, WorkerRecord | undefined>,
  isDead: (record: WorkerRecord) => boolean = isDeadWorker,
): PendingAttempt[] {
  return pending.filter((p) => {
    if (p.state !== PENDING_STARTED || !p.lastWorkerIdentity) return false;
    const record = records.get(p.lastWorkerIdentity);
    return record !== undefined && record.identity === p.lastWorkerIdentity && isDead(record);
  });
}

export async function failOverDeadWorkers(options: FailoverOptions): Promise<FailedOver[]> {
  const done: FailedOver[] = [];
  const problems: string[] = [];
  for (const workflowId of options.workflowIds) {
    try {
      done.push(...(await failOverBoard(options, workflowId, problems)));
    } catch (error) {
      problems.push(`${workflowId}: ${message(error)}`);
    }
  }
  await tidyWorkerRecords(options.home).catch(() => undefined);
  const line = describeFailover(done, problems);
  if (line) options.log?.(`${line}\n`);
  return done;
}

async function failOverBoard(options: FailoverOptions, workflowId: string, problems: string[]): Promise<FailedOver[]> {
  const description = await options.client.workflow
    .getHandle(workflowId)
    .describe()
    .catch((error: unknown) => {
      if (error instanceof WorkflowNotFoundError) return undefined;
      throw error;
    });
  if (description?.status.name !== 'RUNNING') return [];
  const pending = (description.raw.pendingActivities ?? []).map(asPendingAttempt);
  const records = new Map<string, WorkerRecord | undefined>();
  for (const identity of new Set(pending.map((p) => p.lastWorkerIdentity).filter(Boolean))) {
    records.set(identity, await readWorkerRecord(options.home, identity));
  }
  const boardId = workflowId.startsWith(BOARD_WORKFLOW_PREFIX)
    ? workflowId.slice(BOARD_WORKFLOW_PREFIX.length)
    : undefined;
  const done: FailedOver[] = [];
  for (const attempt of attemptsOfDeadWorkers(pending, records)) {
    const taskId = attempt.activityId.startsWith(TASK_ACTIVITY_PREFIX)
      ? attempt.activityId.slice(TASK_ACTIVITY_PREFIX.length)
      : undefined;
    // The dead worker's agent may still be writing to the task's folder: stop it before a new attempt can start.
    const killed =
      boardId !== undefined && taskId !== undefined
        ? await killLeftover(
            path.join(taskDataDir(options.home, boardId, taskId), 'process.json'),
            `TODONE_TASK_KEY=${boardId}/${taskId}`,
          )
        : undefined;
    // Stopping the leftover can take seconds, and Temporal fails an activity by id, whichever its
    // attempt: had the dead attempt timed out and a retry started meanwhile, the retry would be
    // failed instead. Only the attempt seen dead is failed, so the window is down to one call.
    const current = await pendingActivity(options.client, { workflowId, runId: description.runId }, attempt.activityId);
    const now = current && asPendingAttempt(current);
    if (!sameAttempt(now, attempt)) {
      problems.push(
        `${attempt.activityId}: it moved on (attempt ${now?.attempt ?? 'none'} now) and is left to its retry`,
      );
      continue;
    }
    try {
      await options.client.activity.fail(
        { workflowId, runId: description.runId, activityId: attempt.activityId },
        ApplicationFailure.create({
          type: WORKER_DIED,
          message: `its worker ${attempt.lastWorkerIdentity} died`,
          details: [{ attempts: attempt.attempt }],
        }),
      );
      done.push({
        workflowId,
        activityId: attempt.activityId,
        ...(taskId !== undefined ? { taskId } : {}),
        attempt: attempt.attempt,
        identity: attempt.lastWorkerIdentity,
        ...(killed ? { killedPid: killed.pid } : {}),
      });
    } catch (error) {
      // Most likely the attempt ended (or timed out) between describe and fail: nothing is lost.
      problems.push(`${attempt.activityId}: ${message(error)}`);
    }
  }
  return done;
}

function asPendingAttempt(p: PendingActivityInfo): PendingAttempt {
  return {
    activityId: p.activityId ?? '',
    state: p.state ?? PENDING_UNSPECIFIED,
    attempt: p.attempt ?? 1,
    lastWorkerIdentity: p.lastWorkerIdentity ?? '',
  };
}

/** Whether `now` is still the attempt `seen`: the same number, started, on the same worker. */
export function sameAttempt(now: PendingAttempt | undefined, seen: PendingAttempt): boolean {
  return (
    now !== undefined &&
    now.attempt === seen.attempt &&
    now.state === PENDING_STARTED &&
    now.lastWorkerIdentity === seen.lastWorkerIdentity
  );
}

/** `todone worker` serves whichever boards run on its queue: it looks at all of them. */
export async function failOverDeadWorkersOnQueue(
  options: Omit<FailoverOptions, 'workflowIds'> & { taskQueue: string },
): Promise<FailedOver[]> {
  let workflowIds: string[];
  try {
    workflowIds = await runningBoardWorkflowIds(options.client, options.taskQueue);
  } catch (error) {
    options.log?.(
      `Could not list the boards on task queue "${options.taskQueue}" to fail over dead workers' attempts: ${message(error)}\n`,
    );
    return [];
  }
  return failOverDeadWorkers({ ...options, workflowIds });
}

/** The running boards on a task queue (at most `limit`). */
export async function runningBoardWorkflowIds(client: Client, taskQueue: string, limit = 1_000): Promise<string[]> {
  const ids: string[] = [];
  const query = `WorkflowType = "${BOARD_WORKFLOW_TYPE}" AND ExecutionStatus = "Running" AND TaskQueue = "${taskQueue.replace(/"/g, '\\"')}"`;
  for await (const execution of listBoardExecutions(client, query, limit)) ids.push(execution.workflowId);
  return ids;
}

export function describeFailover(done: FailedOver[], problems: string[]): string | undefined {
  const parts: string[] = [];
  if (done.length > 0) {
    const workers = [...new Set(done.map((d) => d.identity))].join(', ');
    const attempts = done
      .map(
        (d) =>
          `${d.taskId ?? d.activityId} (attempt ${d.attempt}${d.killedPid ? `, process ${d.killedPid} stopped` : ''})`,
      )
      .join(', ');
    parts.push(`Failed over ${done.length} attempt(s) held by dead worker ${workers}, to be retried now: ${attempts}.`);
  }
  if (problems.length > 0) parts.push(`Could not fail over ${problems.join('; ')} (their heartbeat timeout will).`);
  return parts.length > 0 ? parts.join(' ') : undefined;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
