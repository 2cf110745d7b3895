/**
 * Which running tasks wait for a worker with their capabilities, from the server's pending
 * activities and the pollers of their capability queue: one describeTaskQueue per queue per
 * call, none for tasks that require nothing, and a poller seen within a minute counts as alive.
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { capabilityWaits, describeWait, LIVE_POLLER_MS } from '../../src/client/capability-waits.js';
import type { TaskStatus } from '../../src/core/run-state.js';

const NOW = 1_800_000_000_000;
const SCHEDULED = 1;
const STARTED = 2;

function fakeClient(lastPoll: Record<string, number | undefined>) {
  const asked: string[] = [];
  const client = {
    options: { namespace: 'default' },
    workflowService: {
      describeTaskQueue: (request: { taskQueue: { name: string } }) => {
        const name = request.taskQueue.name;
        asked.push(name);
        const at = lastPoll[name];
        return Promise.resolve({
          pollers:
            at === undefined ? [] : [{ lastAccessTime: { seconds: Math.floor(at / 1000), nanos: (at % 1000) * 1e6 } }],
        });
      },
    },
  } as unknown as Client;
  return { client, asked };
}

function description(pending: { activityId: string; state: number; queue?: string }[]): WorkflowExecutionDescription {
  return {
    taskQueue: 'todone',
    raw: {
      pendingActivities: pending.map((p) => ({
        activityId: p.activityId,
        state: p.state,
        ...(p.queue ? { activityOptions: { taskQueue: { name: p.queue } } } : {}),
      })),
    },
  } as unknown as WorkflowExecutionDescription;
}

const running = (id: string, requires?: string[]): TaskStatus => ({
  id,
  state: 'running',
  attempts: 1,
  ...(requires ? { requires } : {}),
});

describe('capabilityWaits', () => {
  it('lists scheduled tasks on unpolled capability queues, describing each queue once and none for plain tasks', async () => {
    const { client, asked } = fakeClient({ 'todone@gpu': NOW - LIVE_POLLER_MS - 1_000, 'todone@linux': NOW - 5_000 });
    const waits = await capabilityWaits(
      client,
      description([
        { activityId: 'task-a', state: SCHEDULED, queue: 'todone@gpu' },
        { activityId: 'task-b', state: SCHEDULED },
        { activityId: 'task-c.c2', state: SCHEDULED },
        { activityId: 'task-plain', state: SCHEDULED, queue: 'todone' },
        { activityId: 'task-busy', state: STARTED, queue: 'todone@gpu' },
        { activityId: 'task-served', state: SCHEDULED, queue: 'todone@linux' },
        { activityId: 'prepare-x', state: SCHEDULED, queue: 'todone@gpu' },
      ]),
      // b is known from the status alone (a server that reports no activity options); c is a candidate of a best-of-N task.
      [running('b', ['gpu']), running('c', ['cuda', 'gpu']), running('plain')],
      NOW,
    );
    expect(waits).toEqual([
      { taskId: 'a', requires: ['gpu'], queue: 'todone@gpu', lastPolledAt: NOW - LIVE_POLLER_MS - 1_000 },
      { taskId: 'b', requires: ['gpu'], queue: 'todone@gpu', lastPolledAt: NOW - LIVE_POLLER_MS - 1_000 },
      { taskId: 'c.c2', requires: ['cuda', 'gpu'], queue: 'todone@cuda+gpu' },
    ]);
    expect(asked.sort()).toEqual(['todone@cuda+gpu', 'todone@gpu', 'todone@linux']);
  });

  it('asks nothing when no task requires anything', async () => {
    const { client, asked } = fakeClient({});
    expect(
      await capabilityWaits(client, description([{ activityId: 'task-a', state: SCHEDULED }]), [running('a')], NOW),
    ).toEqual([]);
    expect(asked).toEqual([]);
  });
});

describe('describeWait', () => {
  it('names the capabilities and the queue, and when a worker last polled it', () => {
    expect(describeWait({ taskId: 'a', requires: ['gpu'], queue: 'todone@gpu' }, NOW)).toBe(
      'waiting for a worker with capability gpu (none is polling todone@gpu)',
    );
    expect(
      describeWait(
        { taskId: 'a', requires: ['cuda', 'gpu'], queue: 'todone@cuda+gpu', lastPolledAt: NOW - 95_000 },
        NOW,
      ),
    ).toBe(
      'waiting for a worker with capabilities cuda+gpu (none is polling todone@cuda+gpu; one last polled 95 s ago, busy or gone)',
    );
  });
});
