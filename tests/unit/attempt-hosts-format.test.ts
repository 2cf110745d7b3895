import { describe, expect, it } from 'vitest';
import { formatAttemptHosts, formatResult } from '../../src/cli/format/task-table.js';
import type { BoardResult, TaskStatus } from '../../src/core/run-state.js';

const runA = { attempt: 1, host: '11@machine-a#aaa', log: '/home-a/attempt-1.log' };
const runB = { attempt: 2, host: '22@machine-b#bbb', log: '/home-b/attempt-2.log' };

describe('where attempts ran, in the status', () => {
  it('names the host and log of the latest attempt of tasks that did not succeed, and the worker of running ones', () => {
    const tasks: TaskStatus[] = [
      { id: 'ok', state: 'succeeded', attempts: 1, runs: [runA] },
      { id: 'broke', state: 'failed', attempts: 2, runs: [runA, runB], logPath: runB.log },
      { id: 'same-host', state: 'cancelled', attempts: 2, runs: [runB, { ...runB, attempt: 3 }] },
      { id: 'busy', state: 'running', attempts: 0 },
      { id: 'waiting', state: 'pending', attempts: 0 },
      { id: 'never-ran', state: 'skipped', attempts: 0 },
    ];
    expect(formatAttemptHosts(tasks, { attempts: { busy: 2 }, hosts: { busy: runB.host } })).toEqual([
      'Where the latest attempts ran:',
      `  broke: attempt 2 on ${runB.host}, log ${runB.log} (earlier attempts also on ${runA.host})`,
      `  same-host: attempt 3 on ${runB.host}, log ${runB.log}`,
      `  busy: attempt 2 running on ${runB.host}`,
    ]);
    expect(formatAttemptHosts([tasks[0]!, tasks[4]!])).toEqual([]);
  });

  it("says which machine holds a failed task's full log", () => {
    const failed: TaskStatus = {
      id: 'broke',
      state: 'failed',
      attempts: 2,
      reason: 'exited with code 1',
      runs: [runA, runB],
      logPath: runB.log,
    };
    const result = {
      boardId: 'b',
      name: 'b',
      state: 'failed',
      maxParallel: 1,
      policy: 'eager',
      tasks: [failed],
      counts: { total: 1, pending: 0, running: 0, succeeded: 0, failed: 1, conflicted: 0, skipped: 0, cancelled: 0 },
      metrics: { executionTimeMs: 10, sumOfTaskDurationsMs: 10, parallelizationFactor: 1, keptTasks: 0 },
    } as unknown as BoardResult;
    expect(formatResult(result)).toContain(`full log: ${runB.log} (on ${runB.host})`);
  });
});
