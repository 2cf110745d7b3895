import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bLevels,
  buildGraph,
  criticalPath,
  findCycle,
  topologicalOrder,
  topologicalWaves,
  transitiveDependents,
  type GraphTask,
} from '../../src/core/graph.js';
import { compareRank, ReadyQueue, type Rank } from '../../src/core/ready-queue.js';
import { dagArb, downstreamOf, upstreamOf } from './arbitraries.js';

const RUNS = { numRuns: 200 };

function task(id: string, dependsOn: string[] = [], estimateMs = 1, priority = 0): GraphTask {
  return { id, dependsOn, estimateMs, priority };
}

/** Longest chain of estimates starting at `id`, by brute force over the task list. */
function bruteBLevel(tasks: readonly GraphTask[], id: string, memo = new Map<string, number>()): number {
  const cached = memo.get(id);
  if (cached !== undefined) return cached;
  const own = tasks.find((t) => t.id === id)!.estimateMs;
  let tail = 0;
  for (const child of tasks.filter((t) => t.dependsOn.includes(id)))
    tail = Math.max(tail, bruteBLevel(tasks, child.id, memo));
  memo.set(id, own + tail);
  return own + tail;
}

describe('topologicalWaves', () => {
  it('puts every task after all of its dependencies, each exactly once', () => {
    fc.assert(
      fc.property(dagArb(), (tasks) => {
        const waves = topologicalWaves(buildGraph(tasks));
        const waveOf = new Map<string, number>();
        waves.forEach((wave, index) => wave.forEach((id) => waveOf.set(id, index)));
        expect(waves.flat().length).toBe(tasks.length);
        expect([...waveOf.keys()].sort()).toEqual(tasks.map((t) => t.id).sort());
        for (const t of tasks) {
          const level = waveOf.get(t.id)!;
          for (const dep of t.dependsOn) expect(waveOf.get(dep)!).toBeLessThan(level);
          // Levels are tight: a task in wave k > 0 waits on something in wave k - 1.
          if (level > 0) expect(t.dependsOn.some((dep) => waveOf.get(dep) === level - 1)).toBe(true);
        }
        for (const wave of waves) expect(wave.length).toBeGreaterThan(0);
      }),
      RUNS,
    );
  });

  it('keeps board order inside a wave', () => {
    const waves = topologicalWaves(buildGraph([task('b'), task('a'), task('c', ['b', 'a'])]));
    expect(waves).toEqual([['b', 'a'], ['c']]);
  });

  it('topologicalOrder throws on a cycle', () => {
    expect(() => topologicalOrder(buildGraph([task('a', ['b']), task('b', ['a'])]))).toThrow(/cycle/);
  });
});

describe('findCycle', () => {
  it('finds nothing in a DAG', () => {
    fc.assert(
      fc.property(dagArb(), (tasks) => {
        expect(findCycle(tasks)).toBeUndefined();
      }),
      RUNS,
    );
  });

  it('returns a real closed cycle, in execution order, once a back edge is added', () => {
    const withBackEdge = dagArb({ maxTasks: 10 }).chain((tasks) =>
      fc.constantFrom(...tasks).chain((to) => {
        // An edge `from depends on to` closes a cycle iff `from` is `to` itself or one of its dependencies.
        const candidates = [to.id, ...upstreamOf(tasks, to.id)];
        return fc.constantFrom(...candidates).map((from) => ({ tasks, from, to: to.id }));
      }),
    );
    fc.assert(
      fc.property(withBackEdge, ({ tasks, from, to }) => {
        const cyclic = tasks.map((t) => (t.id === from ? { ...t, dependsOn: [...t.dependsOn, to] } : t));
        const cycle = findCycle(cyclic);
        expect(cycle).toBeDefined();
        const path = cycle!;
        expect(path.length).toBeGreaterThanOrEqual(2);
        expect(path[0]).toBe(path[path.length - 1]);
        expect(new Set(path.slice(1)).size).toBe(path.length - 1);
        const byId = new Map(cyclic.map((t) => [t.id, t]));
        for (let i = 0; i + 1 < path.length; i++) {
          // Each element is a dependency of the next one.
          expect(byId.get(path[i + 1]!)!.dependsOn).toContain(path[i]);
        }
      }),
      RUNS,
    );
  });

  it('prints a two-task cycle and a self-dependency', () => {
    expect(findCycle([task('a', ['b']), task('b', ['a'])])).toEqual(['a', 'b', 'a']);
    expect(findCycle([task('a', ['a'])])).toEqual(['a', 'a']);
    expect(findCycle([task('x'), task('a', ['c']), task('b', ['a']), task('c', ['b'])])).toEqual(['a', 'b', 'c', 'a']);
  });

  it('ignores dependencies on unknown ids (validation reports those)', () => {
    expect(findCycle([task('a', ['ghost'])])).toBeUndefined();
  });
});

describe('bLevels and criticalPath', () => {
  it('b-levels are the longest chain of estimates from each task', () => {
    fc.assert(
      fc.property(dagArb(), (tasks) => {
        const levels = bLevels(buildGraph(tasks));
        const memo = new Map<string, number>();
        for (const t of tasks) expect(levels.get(t.id)).toBe(bruteBLevel(tasks, t.id, memo));
      }),
      RUNS,
    );
  });

  it('the critical path is a maximal dependency chain whose length is the largest b-level', () => {
    fc.assert(
      fc.property(dagArb(), (tasks) => {
        const graph = buildGraph(tasks);
        const levels = bLevels(graph);
        const path = criticalPath(graph, levels);
        const byId = new Map(tasks.map((t) => [t.id, t]));
        expect(path.ids.length).toBeGreaterThan(0);
        expect(byId.get(path.ids[0]!)!.dependsOn).toEqual([]);
        for (let i = 0; i + 1 < path.ids.length; i++)
          expect(byId.get(path.ids[i + 1]!)!.dependsOn).toContain(path.ids[i]);
        expect(graph.dependents.get(path.ids[path.ids.length - 1]!)).toEqual([]);
        const sum = path.ids.reduce((total, id) => total + byId.get(id)!.estimateMs, 0);
        expect(path.lengthMs).toBe(sum);
        expect(path.lengthMs).toBe(Math.max(...levels.values()));
      }),
      RUNS,
    );
  });

  it('is empty for an empty board', () => {
    expect(criticalPath(buildGraph([]))).toEqual({ ids: [], lengthMs: 0 });
  });

  it('follows the heavier branch of a diamond', () => {
    const tasks = [task('a', [], 10), task('b', ['a'], 5), task('c', ['a'], 50), task('d', ['b', 'c'], 10)];
    expect(criticalPath(buildGraph(tasks))).toEqual({ ids: ['a', 'c', 'd'], lengthMs: 70 });
  });
});

describe('transitiveDependents', () => {
  it('is everything downstream, each once', () => {
    fc.assert(
      fc.property(dagArb(), (tasks) => {
        const graph = buildGraph(tasks);
        for (const t of tasks) {
          const found = transitiveDependents(graph, t.id);
          expect(new Set(found).size).toBe(found.length);
          expect(new Set(found)).toEqual(downstreamOf(tasks, [t.id]));
        }
      }),
      RUNS,
    );
  });
});

describe('ReadyQueue', () => {
  const rankArb = fc.record({
    id: fc.string({ minLength: 1, maxLength: 3 }),
    bLevel: fc.integer({ min: 0, max: 20 }),
    priority: fc.integer({ min: -2, max: 2 }),
  });

  it('pops in compareRank order', () => {
    fc.assert(
      fc.property(fc.array(rankArb, { maxLength: 60 }), (ranks) => {
        const queue = new ReadyQueue<Rank>();
        for (const r of ranks) queue.push(r);
        expect(queue.size).toBe(ranks.length);
        const popped: Rank[] = [];
        for (let r = queue.pop(); r !== undefined; r = queue.pop()) popped.push(r);
        expect(popped).toEqual([...ranks].sort(compareRank));
        expect(queue.size).toBe(0);
      }),
      RUNS,
    );
  });

  it('matches a sorted-list model under interleaved pushes, pops and removals', () => {
    const op = fc.oneof(
      rankArb.map((rank) => ({ kind: 'push' as const, rank })),
      fc.constant({ kind: 'pop' as const }),
      fc.string({ minLength: 1, maxLength: 1 }).map((prefix) => ({ kind: 'remove' as const, prefix })),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const queue = new ReadyQueue<Rank>();
        let model: Rank[] = [];
        for (const o of ops) {
          if (o.kind === 'push') {
            queue.push(o.rank);
            model.push(o.rank);
          } else if (o.kind === 'pop') {
            model.sort(compareRank);
            const expected = model.shift();
            const actual = queue.pop();
            // Equal ranks (same id too) are interchangeable, so compare by rank, not identity.
            expect(actual === undefined ? undefined : compareRank(actual, expected!)).toBe(
              expected === undefined ? undefined : 0,
            );
          } else {
            const removed = queue.removeWhere((r) => r.id.startsWith(o.prefix));
            const expected = model.filter((r) => r.id.startsWith(o.prefix));
            model = model.filter((r) => !r.id.startsWith(o.prefix));
            expect(removed.length).toBe(expected.length);
          }
          expect(queue.size).toBe(model.length);
        }
      }),
      RUNS,
    );
  });

  it('ranks by b-level, then priority, then id', () => {
    const sorted = [
      { id: 'c', bLevel: 1, priority: 0 },
      { id: 'b', bLevel: 5, priority: 0 },
      { id: 'a', bLevel: 5, priority: 0 },
      { id: 'z', bLevel: 5, priority: 3 },
    ].sort(compareRank);
    expect(sorted.map((r) => r.id)).toEqual(['z', 'a', 'b', 'c']);
  });
});
