import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SchedulingPolicy } from '../../src/core/board.js';
import { buildGraph, criticalPath, type GraphTask } from '../../src/core/graph.js';
import { lowerBound, simulate, type Simulation } from '../../src/core/simulate.js';
import { dagArb, slotsArb } from './arbitraries.js';

const RUNS = { numRuns: 200 };
const POLICIES: SchedulingPolicy[] = ['eager', 'waves'];

function checkSchedule(tasks: readonly GraphTask[], slots: number, sim: Simulation): void {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const entries = new Map(sim.schedule.map((s) => [s.id, s]));
  expect(sim.schedule.length).toBe(tasks.length);
  expect(entries.size).toBe(tasks.length);
  for (const s of sim.schedule) {
    const t = byId.get(s.id)!;
    expect(s.endMs - s.startMs).toBe(t.estimateMs);
    expect(s.startMs).toBeGreaterThanOrEqual(0);
    expect(s.slot).toBeGreaterThanOrEqual(0);
    expect(s.slot).toBeLessThan(slots);
    for (const dep of t.dependsOn) expect(s.startMs).toBeGreaterThanOrEqual(entries.get(dep)!.endMs);
  }
  // Concurrency only rises at a start, so checking every start instant covers every moment.
  for (const s of sim.schedule) {
    const overlapping = sim.schedule.filter((o) => o.startMs <= s.startMs && s.startMs < o.endMs);
    expect(overlapping.length).toBeLessThanOrEqual(slots);
    // Slot numbers are real lanes: nothing else occupies this task's slot while it runs.
    expect(overlapping.filter((o) => o.slot === s.slot)).toEqual([s]);
  }
  expect(sim.makespanMs).toBe(Math.max(0, ...sim.schedule.map((s) => s.endMs)));
}

describe('simulate', () => {
  for (const policy of POLICIES) {
    it(`${policy}: respects dependencies and slots, schedules each task once for its estimate`, () => {
      fc.assert(
        fc.property(dagArb(), slotsArb, (tasks, slots) => {
          const sim = simulate(buildGraph(tasks), slots, policy);
          expect(sim.policy).toBe(policy);
          expect(sim.slots).toBe(slots);
          checkSchedule(tasks, slots, sim);
        }),
        RUNS,
      );
    });

    it(`${policy}: never beats the lower bound`, () => {
      fc.assert(
        fc.property(dagArb(), slotsArb, (tasks, slots) => {
          const graph = buildGraph(tasks);
          expect(simulate(graph, slots, policy).makespanMs).toBeGreaterThanOrEqual(lowerBound(graph, slots));
        }),
        RUNS,
      );
    });
  }

  it('eager with a slot per task finishes exactly at the critical path', () => {
    fc.assert(
      fc.property(dagArb(), fc.integer({ min: 0, max: 4 }), (tasks, extra) => {
        const graph = buildGraph(tasks);
        expect(simulate(graph, tasks.length + extra, 'eager').makespanMs).toBe(criticalPath(graph).lengthMs);
      }),
      RUNS,
    );
  });

  it('lowerBound is max(critical path, total work / slots)', () => {
    const graph = buildGraph([
      { id: 'a', dependsOn: [], estimateMs: 10, priority: 0 },
      { id: 'b', dependsOn: ['a'], estimateMs: 10, priority: 0 },
      { id: 'c', dependsOn: [], estimateMs: 30, priority: 0 },
    ]);
    expect(lowerBound(graph, 1)).toBe(50);
    expect(lowerBound(graph, 2)).toBe(30);
    expect(lowerBound(graph, 8)).toBe(30);
  });

  it('rejects zero slots', () => {
    expect(() => simulate(buildGraph([]), 0, 'eager')).toThrow(RangeError);
  });

  it('an empty board takes no time', () => {
    expect(simulate(buildGraph([]), 3, 'eager').makespanMs).toBe(0);
    expect(simulate(buildGraph([]), 3, 'waves').makespanMs).toBe(0);
  });
});

/**
 * Decision 1 promises that eager scheduling beats the seed's waves. It does not hold for every
 * graph: eager is greedy list scheduling by b-level (Graham / HLFET), and no greedy rule is optimal
 * on bounded slots (the problem is NP-hard), while a wave barrier can, by luck, force a better
 * packing. fast-check finds such boards in about 1 of 5,000 random DAGs, losing by at most a few
 * percent. What does hold for every graph is below: eager wins with one slot or a slot per task,
 * and eager is always within Graham's bound, hence never worse than (2 - 1/N) x waves.
 */
describe('eager versus waves', () => {
  const t = (id: string, dependsOn: string[], estimateMs: number, priority = 0): GraphTask => ({
    id,
    dependsOn,
    estimateMs,
    priority,
  });

  it('known case: eager loses to waves on this 6-task board on 2 slots (7 vs 6)', () => {
    // Shrunk by fast-check. b-levels: t2 5, t3 4, t5 4, t0 3, t1 2, t4 2.
    // Eager starts t2 and t3, then t5 (b 4) at 1 and t0 (b 3) at 2, so t1 and t4 (both b 2) queue
    // behind each other and t4 runs alone 5-7. The wave barrier keeps t0 in wave 0 with t2 and t3,
    // which packs both slots full: 12 ms of work in 6 ms.
    const board = [
      t('t0', [], 1),
      t('t1', ['t0'], 2),
      t('t2', [], 1),
      t('t3', [], 2),
      t('t4', ['t3'], 2),
      t('t5', ['t2'], 4),
    ];
    const graph = buildGraph(board);
    const eager = simulate(graph, 2, 'eager');
    const waves = simulate(graph, 2, 'waves');
    expect(eager.makespanMs).toBe(7);
    expect(waves.makespanMs).toBe(6);
    expect(lowerBound(graph, 2)).toBe(6);
    expect(eager.schedule.map((s) => `${s.id}@${s.startMs}`)).toEqual(['t2@0', 't3@0', 't5@1', 't0@2', 't1@3', 't4@5']);
  });

  it('known case: with 1..1000 ms estimates and no priorities eager loses by 1 ms (469 vs 468)', () => {
    const board = [
      t('t0', [], 1),
      t('t1', [], 1),
      t('t2', [], 1),
      t('t3', ['t1'], 4),
      t('t4', [], 229),
      t('t5', ['t1'], 235),
      t('t6', [], 233),
      t('t7', ['t2'], 231),
    ];
    const graph = buildGraph(board);
    expect(simulate(graph, 2, 'eager').makespanMs).toBe(469);
    expect(simulate(graph, 2, 'waves').makespanMs).toBe(468);
  });

  it('eager <= waves with one slot and with a slot per task', () => {
    fc.assert(
      fc.property(dagArb(), (tasks) => {
        const graph = buildGraph(tasks);
        for (const slots of [1, tasks.length]) {
          expect(simulate(graph, slots, 'eager').makespanMs).toBeLessThanOrEqual(
            simulate(graph, slots, 'waves').makespanMs,
          );
        }
      }),
      RUNS,
    );
  });

  it("eager stays within Graham's bound: total work / N + (1 - 1/N) x critical path", () => {
    fc.assert(
      fc.property(dagArb(), slotsArb, (tasks, slots) => {
        const graph = buildGraph(tasks);
        const eager = simulate(graph, slots, 'eager').makespanMs;
        const waves = simulate(graph, slots, 'waves').makespanMs;
        const work = tasks.reduce((sum, task) => sum + task.estimateMs, 0);
        const path = criticalPath(graph).lengthMs;
        expect(eager).toBeLessThanOrEqual(work / slots + (1 - 1 / slots) * path + 1e-9);
        expect(eager).toBeLessThanOrEqual((2 - 1 / slots) * waves + 1e-9);
      }),
      RUNS,
    );
  });

  it('eager is faster than waves far more often than slower, and faster in total', () => {
    // A fixed sample keeps the test deterministic; the numbers describe the whole distribution.
    const samples = fc.sample(fc.tuple(dagArb({ maxTasks: 16 }), fc.integer({ min: 2, max: 8 })), {
      numRuns: 1000,
      seed: 20240601,
    });
    let faster = 0;
    let slower = 0;
    let eagerTotal = 0;
    let wavesTotal = 0;
    for (const [tasks, slots] of samples) {
      const graph = buildGraph(tasks);
      const eager = simulate(graph, slots, 'eager').makespanMs;
      const waves = simulate(graph, slots, 'waves').makespanMs;
      if (eager < waves) faster++;
      if (eager > waves) slower++;
      eagerTotal += eager;
      wavesTotal += waves;
    }
    expect(slower).toBeLessThanOrEqual(5);
    expect(faster).toBeGreaterThan(300);
    expect(eagerTotal).toBeLessThan(0.95 * wavesTotal);
  });
});
