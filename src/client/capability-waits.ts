/**
 * Tasks that wait for a worker with the capabilities they require. Such a task is running as far
 * as the board is concerned, but its activity sits scheduled on a capability queue
 * (src/core/capabilities.ts) that no live worker polls: said plainly instead of looking pending.
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { capabilityQueue } from '../core/capabilities.js';
import type { TaskStatus } from '../core/run-state.js';

export interface CapabilityWait {
  taskId: string;
  /** What the task requires, sorted. */
  requires: string[];
  /** The queue its activity waits on. */
  queue: string;
  /** When a worker offering them last polled that queue, if the server still remembers one (a few minutes). */
  lastPolledAt?: number;
}

/** A poller seen this recently is taken for alive; a worker whose slots are all busy stops polling, so it can drop out. */
export const LIVE_POLLER_MS = 60_000;

// @temporalio/proto is CommonJS (no named ESM import): the enum values the server sends.
/** temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_SCHEDULED */
const PENDING_ACTIVITY_SCHEDULED = 1;
/** temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY */
const TASK_QUEUE_TYPE_ACTIVITY = 2;
/** temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL */
const TASK_QUEUE_KIND_NORMAL = 1;

type Timestamp = { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined;

function toMs(ts: Timestamp): number | undefined {
  if (!ts?.seconds) return undefined;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

/** Capabilities named by a capability queue of this board's queue; undefined for any other queue. */
function capabilitiesOf(queue: string, boardQueue: string): string[] | undefined {
  const prefix = `${boardQueue}@`;
  return queue.startsWith(prefix) ? queue.slice(prefix.length).split('+') : undefined;
}

/**
 * The tasks whose activity is scheduled, not started, on a capability queue no worker has polled
 * within LIVE_POLLER_MS. What a task requires comes from the activity's options where the server
 * reports them, else from the task's status (`requires`, set while it runs). The task queue is
 * described once per queue per call, and never for tasks that require nothing.
 */
export async function capabilityWaits(
  client: Client,
  description: WorkflowExecutionDescription,
  tasks: readonly TaskStatus[] | undefined,
  now = Date.now(),
): Promise<CapabilityWait[]> {
  const boardQueue = description.taskQueue;
  const requiresById = new Map((tasks ?? []).filter((t) => t.requires?.length).map((t) => [t.id, t.requires!]));
  const lastPoll = new Map<string, Promise<number | undefined>>();
  const waits: Promise<CapabilityWait | undefined>[] = [];
  for (const pending of description.raw.pendingActivities ?? []) {
    const taskId = pending.activityId?.startsWith('task-') ? pending.activityId.slice('task-'.length) : undefined;
    if (!taskId || Number(pending.state) !== PENDING_ACTIVITY_SCHEDULED) continue;
    const reported = pending.activityOptions?.taskQueue?.name ?? undefined;
    // A best-of-N candidate (`a.c2`) runs with its task's requirements.
    const requires =
      (reported ? capabilitiesOf(reported, boardQueue) : undefined) ??
      requiresById.get(taskId) ??
      requiresById.get(taskId.replace(/\.c\d+$/, ''));
    if (!requires?.length) continue;
    const queue = capabilityQueue(boardQueue, requires);
    let polled = lastPoll.get(queue);
    if (!polled) {
      polled = lastPollOf(client, queue);
      lastPoll.set(queue, polled);
    }
    waits.push(
      polled.then((at) =>
        at !== undefined && now - at < LIVE_POLLER_MS
          ? undefined
          : { taskId, requires, queue, ...(at !== undefined ? { lastPolledAt: at } : {}) },
      ),
    );
  }
  return (await Promise.all(waits)).filter((w): w is CapabilityWait => w !== undefined);
}

async function lastPollOf(client: Client, queue: string): Promise<number | undefined> {
  const answer = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: queue, kind: TASK_QUEUE_KIND_NORMAL },
    taskQueueType: TASK_QUEUE_TYPE_ACTIVITY,
  });
  const times = (answer.pollers ?? []).map((p) => toMs(p.lastAccessTime)).filter((t): t is number => t !== undefined);
  return times.length ? Math.max(...times) : undefined;
}

/** "waiting for a worker with capabilities cuda+gpu (none is polling todone@cuda+gpu)", said the same way everywhere. */
export function describeWait(wait: CapabilityWait, now = Date.now()): string {
  const last =
    wait.lastPolledAt !== undefined
      ? `; one last polled ${Math.max(1, Math.round((now - wait.lastPolledAt) / 1000))} s ago, busy or gone`
      : '';
  const what = `${wait.requires.length === 1 ? 'capability' : 'capabilities'} ${wait.requires.join('+')}`;
  return `waiting for a worker with ${what} (none is polling ${wait.queue}${last})`;
}
