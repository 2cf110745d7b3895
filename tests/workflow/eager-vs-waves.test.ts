/**
 * Eager scheduling against the seed's waves, on the real server: `quick` and `slow` share wave 1 and
 * `follow` needs only `quick`. The simulator predicts that waves make `follow` wait for `slow` and
 * eager starts it the moment `quick` is done; the real runs are checked for exactly that, by events
 * rather than by durations a loaded machine would blur: `slow` runs until the test lets it end.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/core/graph.js';
import { simulate } from '../../src/core/simulate.js';
import { waitForStatus } from '../support/board-status.js';
import { makeBoard, timedCommand, type TestTask } from '../support/boards.js';
import { readSpans } from '../support/evidence.js';
import { createHarness, type Harness } from '../support/harness.js';
import { waitFor } from '../support/wait-for.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const tasks = (workdir: string): TestTask[] => [
  { id: 'quick', command: timedCommand(0.2), estimateMs: 200 },
  {
    id: 'slow',
    command: [
      'date +%s%3N > slow.start',
      `until [ -f ${path.join(workdir, 'slow.may-end')} ]; do sleep 0.05; done`,
      'date +%s%3N > slow.end',
    ].join('; '),
    estimateMs: 1_500,
  },
  { id: 'follow', dependsOn: ['quick'], command: timedCommand(0.2), estimateMs: 1_500 },
];

const state = (s: { tasks: { id: string; state: string }[] }, id: string) => s.tasks.find((t) => t.id === id)?.state;

/** Runs the board under `policy`; `slow` ends when the policy has shown what it does with `follow`. */
async function run(policy: 'eager' | 'waves') {
  const workdir = await h.tempDir();
  const board = makeBoard(`${policy}-${randomUUID().slice(0, 8)}`, workdir, tasks(workdir), {
    policy,
    maxParallel: 4,
  });
  const result = await h.run(board, async (boards) => {
    if (policy === 'eager') {
      // Its own record of starting, not the status: a task is `running` once scheduled, before its process runs.
      await waitFor('follow to start while slow still runs', () =>
        fs.access(path.join(workdir, 'follow.start')).then(
          () => true,
          () => false,
        ),
      );
    } else {
      // The workflow decides what starts in the same activation that records quick's success:
      // a status with quick done and follow still pending is waves holding it back.
      const held = await waitForStatus(boards, board.id, 'quick to succeed', (s) => state(s, 'quick') === 'succeeded');
      expect(state(held, 'follow')).toBe('pending');
      expect(state(held, 'slow')).toBe('running');
    }
    await fs.writeFile(path.join(workdir, 'slow.may-end'), '');
  });
  expect(result.state).toBe('completed');
  return readSpans(workdir, ['quick', 'slow', 'follow']);
}

describe('eager scheduling against the seed waves, on the real server', () => {
  it('starts a task the moment its dependencies are done, where waves wait for the slowest of the wave, as the simulator predicts', async () => {
    const graph = buildGraph(
      tasks('/').map((t) => ({ id: t.id, dependsOn: t.dependsOn ?? [], estimateMs: t.estimateMs!, priority: 0 })),
    );
    const at = (policy: 'eager' | 'waves', id: string) => simulate(graph, 4, policy).schedule.find((s) => s.id === id)!;
    expect(simulate(graph, 4, 'waves').makespanMs - simulate(graph, 4, 'eager').makespanMs).toBe(1_300);
    expect(at('eager', 'follow').startMs).toBeLessThan(at('eager', 'slow').endMs);
    expect(at('waves', 'follow').startMs).toBeGreaterThanOrEqual(at('waves', 'slow').endMs);

    const eager = await run('eager');
    expect(eager.get('follow')!.start).toBeGreaterThanOrEqual(eager.get('quick')!.end);
    expect(eager.get('follow')!.start).toBeLessThan(eager.get('slow')!.end);

    const waves = await run('waves');
    expect(waves.get('follow')!.start).toBeGreaterThanOrEqual(waves.get('slow')!.end);
  });
});
