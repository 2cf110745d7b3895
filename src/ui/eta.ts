/**
 * When the board should end, from its estimates: the unfinished part of the graph simulated on the
 * board's slots, running tasks taking what is left of their estimate (at least a second: a task
 * past its estimate is late, not done). Finished tasks are gone, so their dependents are ready.
 */
import type { BoardGraphTask } from '../../workflows/api.js';
import { buildGraph } from '../core/graph.js';
import { isFinal, type TaskStatus } from '../core/run-state.js';
import { simulate } from '../core/simulate.js';

export function etaFromEstimates(
  tasks: readonly BoardGraphTask[],
  statuses: ReadonlyMap<string, TaskStatus>,
  maxParallel: number,
  now: number,
): number | undefined {
  const open = tasks.filter((t) => {
    const state = statuses.get(t.id)?.state ?? 'pending';
    return !isFinal(state);
  });
  if (open.length === 0) return 0;
  const openIds = new Set(open.map((t) => t.id));
  const graph = buildGraph(
    open.map((t) => {
      const status = statuses.get(t.id);
      const running = status?.state === 'running' && status.startedAt !== undefined;
      const estimateMs = running ? Math.max(1_000, t.estimateMs - (now - status.startedAt!)) : t.estimateMs;
      return { id: t.id, dependsOn: t.dependsOn.filter((d) => openIds.has(d)), estimateMs, priority: t.priority };
    }),
  );
  return simulate(graph, Math.max(1, maxParallel), 'eager').makespanMs;
}
