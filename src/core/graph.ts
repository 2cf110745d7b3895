/**
 * Dependency analysis of a board: cycles, topological waves, b-levels and the critical path.
 * Pure functions over the minimal shape below so the planner, the workflow and the tests share them.
 */

export interface GraphTask {
  id: string;
  dependsOn: readonly string[];
  estimateMs: number;
  priority: number;
}

export interface Graph {
  /** Task ids in board order. */
  ids: string[];
  byId: Map<string, GraphTask>;
  /** id -> ids that depend on it, in board order. */
  dependents: Map<string, string[]>;
}

export function buildGraph(tasks: readonly GraphTask[]): Graph {
  const byId = new Map<string, GraphTask>();
  const dependents = new Map<string, string[]>();
  for (const task of tasks) {
    byId.set(task.id, task);
    dependents.set(task.id, []);
  }
  for (const task of tasks) {
    for (const dep of new Set(task.dependsOn)) {
      const list = dependents.get(dep);
      // Validation keeps these out of boards; a board that bypassed it must fail here, by name.
      if (!list) throw new Error(`task "${task.id}" depends on unknown task "${dep}"`);
      list.push(task.id);
    }
  }
  return { ids: tasks.map((t) => t.id), byId, dependents };
}

/** Returns one cycle as a closed path (`a, b, c, a`), or undefined when the graph is acyclic. */
export function findCycle(tasks: readonly GraphTask[]): string[] | undefined {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const state = new Map<string, 'open' | 'done'>();
  for (const root of tasks) {
    if (state.has(root.id)) continue;
    // Iterative DFS: a 10,000-deep chain must not overflow the stack.
    const stack: { id: string; next: number }[] = [{ id: root.id, next: 0 }];
    state.set(root.id, 'open');
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const deps = byId.get(frame.id)?.dependsOn ?? [];
      if (frame.next >= deps.length) {
        state.set(frame.id, 'done');
        stack.pop();
        continue;
      }
      const dep = deps[frame.next++]!;
      if (!byId.has(dep)) continue;
      const seen = state.get(dep);
      if (seen === 'open') {
        // The path runs along "depends on" edges; print it in execution order (dependency first).
        const start = stack.findIndex((f) => f.id === dep);
        const loop = stack.slice(start).map((f) => f.id);
        return [...loop, dep].reverse();
      }
      if (seen === undefined) {
        state.set(dep, 'open');
        stack.push({ id: dep, next: 0 });
      }
    }
  }
  return undefined;
}

/** Execution levels (the original description's waves): wave k holds the tasks whose longest dependency chain has k links. */
export function topologicalWaves(graph: Graph, order: readonly string[] = topologicalOrder(graph)): string[][] {
  const level = new Map<string, number>();
  for (const id of order) {
    const deps = graph.byId.get(id)!.dependsOn;
    let depth = 0;
    for (const dep of deps) depth = Math.max(depth, (level.get(dep) ?? 0) + 1);
    level.set(id, depth);
  }
  const waves: string[][] = [];
  for (const id of graph.ids) {
    const depth = level.get(id)!;
    (waves[depth] ??= []).push(id);
  }
  return waves;
}

/** Kahn's algorithm in board order; throws on a cycle (validation should have caught it). */
export function topologicalOrder(graph: Graph): string[] {
  const remaining = new Map<string, number>();
  for (const id of graph.ids) remaining.set(id, new Set(graph.byId.get(id)!.dependsOn).size);
  const order: string[] = [];
  const queue = graph.ids.filter((id) => remaining.get(id) === 0);
  for (let head = 0; head < queue.length; head++) {
    const id = queue[head]!;
    order.push(id);
    for (const child of graph.dependents.get(id)!) {
      const left = remaining.get(child)! - 1;
      remaining.set(child, left);
      if (left === 0) queue.push(child);
    }
  }
  if (order.length !== graph.ids.length) throw new Error('dependency graph has a cycle');
  return order;
}

/** b-level: a task's estimate plus the longest chain of estimates that must follow it. */
export function bLevels(graph: Graph, order: readonly string[] = topologicalOrder(graph)): Map<string, number> {
  const result = new Map<string, number>();
  for (let i = order.length - 1; i >= 0; i--) {
    const id = order[i]!;
    let tail = 0;
    for (const child of graph.dependents.get(id)!) tail = Math.max(tail, result.get(child)!);
    result.set(id, graph.byId.get(id)!.estimateMs + tail);
  }
  return result;
}

export interface CriticalPath {
  ids: string[];
  lengthMs: number;
}

export function criticalPath(graph: Graph, levels: Map<string, number> = bLevels(graph)): CriticalPath {
  let current: string | undefined;
  for (const id of graph.ids) {
    if (graph.byId.get(id)!.dependsOn.length > 0) continue;
    if (current === undefined || levels.get(id)! > levels.get(current)!) current = id;
  }
  const ids: string[] = [];
  while (current !== undefined) {
    ids.push(current);
    let next: string | undefined;
    for (const child of graph.dependents.get(current)!) {
      if (next === undefined || levels.get(child)! > levels.get(next)!) next = child;
    }
    current = next;
  }
  return { ids, lengthMs: ids.length > 0 ? levels.get(ids[0]!)! : 0 };
}

/** Ids that (transitively) depend on `id`, in breadth-first order. */
export function transitiveDependents(graph: Graph, id: string): string[] {
  const seen = new Set<string>();
  const queue = [...(graph.dependents.get(id) ?? [])];
  for (let head = 0; head < queue.length; head++) {
    const next = queue[head]!;
    if (seen.has(next)) continue;
    seen.add(next);
    queue.push(...graph.dependents.get(next)!);
  }
  return [...seen];
}
