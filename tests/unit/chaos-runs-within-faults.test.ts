import { describe, expect, it } from 'vitest';
import type { Execution } from '../../bench/chaos/executions.js';
import type { Fault } from '../../bench/chaos/faults.js';
import { runsWithinFaults } from '../../bench/chaos/runs-within-faults.js';

const homes = new Map([
  ['w1', '/chaos/homes/w1'],
  ['w2', '/chaos/homes/w2'],
]);

/** An agent run on a worker: its agent started at `start` for attempt `attempt`. */
function run(worker: string, start: number, attempt: number, end?: number): Execution {
  return { start, attempt: String(attempt), cwd: `/chaos/homes/${worker}/worktrees/b/t1`, run: `r${start}`, end };
}

/** The verdict on task t1 of board b, which ran `runs`, whose attempts started at `attemptStarts`. */
function verdict(runs: Execution[], journal: Fault[], attemptStarts: number[] = []) {
  return runsWithinFaults({
    boardId: 'b',
    tasks: [
      {
        id: 't1',
        state: 'succeeded',
        startedAt: 0,
        endedAt: 20_000,
        runs: attemptStarts.map((startedAt, i) => ({ attempt: i + 1, host: 'h', log: 'l', startedAt })),
      },
    ],
    executions: new Map([['t1', runs]]),
    journal,
    homes,
  }).violations;
}

describe('the runs-within-faults invariant', () => {
  it('allows one run, and one more per instant fault aimed at the task', () => {
    expect(verdict([run('w1', 100, 1, 900)], [])).toEqual([]);
    const twice = [run('w1', 100, 1), run('w1', 2_000, 2, 3_000)];
    expect(verdict(twice, [{ at: 500, kind: 'agent-kill', boardId: 'b', taskId: 't1' }])).toEqual([]);
    expect(verdict(twice, [])).toEqual([expect.stringContaining('b/t1 ran 2 times with 0 fault(s)')]);
    // Aimed at another task, or at the other worker: no excuse.
    expect(verdict(twice, [{ at: 500, kind: 'agent-kill', boardId: 'b', taskId: 't2' }])).toHaveLength(1);
    expect(verdict(twice, [{ at: 500, kind: 'worker-kill', worker: 'w2', until: 3_000 }])).toHaveLength(1);
  });

  it('lets a fault that lasts spoil each run whose attempt starts on its target while it lasts', () => {
    // The disk of w2 is full from 1 s to 6.5 s: attempt 1's agent is under way, attempt 2 starts at 5 s
    // (its agent at 6.6 s, after the disk was emptied: its log was opened on the full disk), attempt 3 succeeds.
    const runs = [run('w2', 800, 1), run('w2', 6_600, 2), run('w2', 7_500, 3, 9_000)];
    const diskFull: Fault = { at: 1_000, kind: 'disk-full', worker: 'w2', heldMs: 5_000, until: 6_500 };
    expect(verdict(runs, [diskFull], [700, 5_000, 7_400])).toEqual([]);
    // Attempt 2 started once the disk was emptied: the fault spoiled only attempt 1.
    expect(verdict(runs, [diskFull], [700, 6_550, 7_400])).toEqual([
      expect.stringContaining('ran 3 times with 1 fault(s) hitting it, spoiling at most 1 run(s)'),
    ]);
    // Without a recorded end, the fault lasts as long as it was held for (here to 6 s).
    expect(verdict(runs, [{ ...diskFull, until: undefined }], [700, 5_000, 7_400])).toEqual([]);
    expect(verdict(runs, [{ ...diskFull, until: undefined }], [700, 6_200, 7_400])).toHaveLength(1);
  });

  it('counts only runs on the worker a lasting fault hit, and any worker for the server', () => {
    const runs = [run('w1', 800, 1), run('w2', 3_000, 2), run('w2', 4_000, 3, 5_000)];
    const stop: Fault = { at: 1_000, kind: 'worker-stop', worker: 'w1', heldMs: 5_000, until: 6_000 };
    expect(verdict(runs, [stop], [700, 2_900, 3_900])).toEqual([expect.stringContaining('spoiling at most 1')]);
    const server: Fault = { at: 1_000, kind: 'server-kill', until: 3_500 };
    expect(verdict(runs, [server], [700, 2_900, 3_900])).toEqual([]);
  });

  it('ignores a fault outside the task’s life, and a succeeded task needs a finished run', () => {
    const runs = [run('w1', 100, 1), run('w1', 2_000, 2, 3_000)];
    expect(verdict(runs, [{ at: 25_000, kind: 'server-kill', until: 26_000 }])).toHaveLength(1);
    expect(verdict([run('w1', 100, 1)], [])).toEqual([expect.stringContaining('no run of its agent finished')]);
  });
});
