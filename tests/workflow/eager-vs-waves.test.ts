import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '../../src/core/graph.js';
import { simulate } from '../../src/core/simulate.js';
import { makeBoard, timedCommand, type TestTask } from '../support/boards.js';
import { readSpans } from '../support/evidence.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

/**
 * `quick` and `slow` share wave 1; `follow` needs only `quick`. Waves make `follow` wait for
 * `slow`; eager scheduling starts it as soon as `quick` is done.
 */
const tasks: TestTask[] = [
  { id: 'quick', command: timedCommand(0.2), estimateMs: 200 },
  { id: 'slow', command: timedCommand(1.5), estimateMs: 1_500 },
  { id: 'follow', dependsOn: ['quick'], command: timedCommand(1.5), estimateMs: 1_500 },
];
const ids = tasks.map((t) => t.id);

async function makespan(policy: 'eager' | 'waves'): Promise<number> {
  const workdir = await h.tempDir();
  const board = makeBoard(`${policy}-${randomUUID().slice(0, 8)}`, workdir, tasks, { policy, maxParallel: 4 });
  const result = await h.run(board);
  expect(result.state).toBe('completed');
  const spans = [...(await readSpans(workdir, ids)).values()];
  const follow = spans.find((s) => s.id === 'follow')!;
  const quick = spans.find((s) => s.id === 'quick')!;
  const slow = spans.find((s) => s.id === 'slow')!;
  if (policy === 'waves') expect(follow.start).toBeGreaterThanOrEqual(slow.end);
  else expect(follow.start).toBeLessThan(slow.end);
  expect(follow.start).toBeGreaterThanOrEqual(quick.end);
  return Math.max(...spans.map((s) => s.end)) - Math.min(...spans.map((s) => s.start));
}

describe('eager scheduling against the seed waves, on the real server', () => {
  it('finishes the board sooner, as the simulator predicts', async () => {
    const eager = await makespan('eager');
    const waves = await makespan('waves');
    const graph = buildGraph(
      tasks.map((t) => ({ id: t.id, dependsOn: t.dependsOn ?? [], estimateMs: t.estimateMs!, priority: 0 })),
    );
    const predictedGain = simulate(graph, 4, 'waves').makespanMs - simulate(graph, 4, 'eager').makespanMs;
    expect(predictedGain).toBe(1_300);
    // Real runs carry scheduling overhead; the gain must still be most of the predicted one.
    expect(waves - eager).toBeGreaterThan(predictedGain * 0.6);
  });
});
