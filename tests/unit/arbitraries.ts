/**
 * fast-check arbitraries shared by the core's property tests.
 * A DAG is built so that task `ti` may depend only on `tj` with j < i: acyclic by construction,
 * while the board order is shuffled so code cannot rely on boards being listed dependency-first.
 */
import fc from 'fast-check';
import { DEFAULTS, type TaskSpec } from '../../src/core/board.js';
import type { GraphTask } from '../../src/core/graph.js';

export interface DagOptions {
  minTasks?: number;
  maxTasks?: number;
  maxEstimateMs?: number;
  /** Keep t0..tn in index order (already topological) instead of shuffling the board. */
  ordered?: boolean;
}

export function dagArb(options: DagOptions = {}): fc.Arbitrary<GraphTask[]> {
  const { minTasks = 1, maxTasks = 12, maxEstimateMs = 1000, ordered = false } = options;
  return fc
    .integer({ min: minTasks, max: maxTasks })
    .chain((n) =>
      fc.tuple(
        ...Array.from({ length: n }, (_, i) =>
          fc.record({
            dependsOn: fc.subarray(
              Array.from({ length: i }, (_, j) => `t${j}`),
              { minLength: 0, maxLength: Math.min(i, 4) },
            ),
            estimateMs: fc.integer({ min: 1, max: maxEstimateMs }),
            priority: fc.integer({ min: -2, max: 2 }),
          }),
        ),
      ),
    )
    .map((fields) => fields.map((f, i): GraphTask => ({ id: `t${i}`, ...f })))
    .chain((tasks) =>
      ordered ? fc.constant(tasks) : fc.shuffledSubarray(tasks, { minLength: tasks.length, maxLength: tasks.length }),
    );
}

export const slotsArb = fc.integer({ min: 1, max: 8 });

export function toTaskSpec(task: GraphTask): TaskSpec {
  return {
    id: task.id,
    description: `task ${task.id}`,
    type: 'generic',
    dependsOn: [...task.dependsOn],
    agent: { kind: 'shell', command: ['true'], env: {} },
    estimateMs: task.estimateMs,
    priority: task.priority,
    retry: { ...DEFAULTS.retry },
    timeoutMs: DEFAULTS.timeoutMs,
    heartbeatTimeoutMs: DEFAULTS.heartbeatTimeoutMs,
  };
}

/** Ids that transitively depend on any of `roots` (not the roots themselves), computed independently of graph.ts. */
export function downstreamOf(tasks: readonly GraphTask[], roots: Iterable<string>): Set<string> {
  const result = new Set<string>();
  const frontier = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const task of tasks) {
      if (result.has(task.id)) continue;
      if (task.dependsOn.some((dep) => frontier.has(dep) || result.has(dep))) {
        result.add(task.id);
        grew = true;
      }
    }
  }
  return result;
}

/** Ids that `id` transitively depends on. */
export function upstreamOf(tasks: readonly GraphTask[], id: string): Set<string> {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const result = new Set<string>();
  const stack = [...(byId.get(id)?.dependsOn ?? [])];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (result.has(next)) continue;
    result.add(next);
    stack.push(...(byId.get(next)?.dependsOn ?? []));
  }
  return result;
}
