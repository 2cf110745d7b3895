/**
 * The planner's view of a board: everything `todone plan` prints, computed once.
 * Also the original description's `should_use_todone`, restated in terms of the simulated speed-up.
 */
import { bLevels, buildGraph, criticalPath, topologicalWaves, type GraphTask } from './graph.js';
import { lowerBound, simulate } from './simulate.js';

export interface BoardPlan {
  taskCount: number;
  edgeCount: number;
  slots: number;
  waves: string[][];
  criticalPath: { ids: string[]; lengthMs: number };
  maxParallelism: number;
  totalWorkMs: number;
  makespan: { eagerMs: number; wavesMs: number; lowerBoundMs: number; sequentialMs: number };
  /** Sequential time over eager makespan: how much faster parallel runs should be. */
  parallelizationFactor: number;
  advice: { worthIt: boolean; reasons: string[] };
}

/** Below this simulated speed-up the overhead of worktrees and merges is not worth paying. */
export const MIN_WORTHWHILE_SPEEDUP = 1.3;

export function planBoard(tasks: readonly GraphTask[], slots: number): BoardPlan {
  const graph = buildGraph(tasks);
  const levels = bLevels(graph);
  const waves = topologicalWaves(graph);
  const path = criticalPath(graph, levels);
  const totalWorkMs = tasks.reduce((sum, t) => sum + t.estimateMs, 0);
  const edgeCount = tasks.reduce((sum, t) => sum + new Set(t.dependsOn).size, 0);
  const eagerMs = simulate(graph, slots, 'eager').makespanMs;
  const wavesMs = simulate(graph, slots, 'waves').makespanMs;
  const lowerBoundMs = lowerBound(graph, slots, levels);
  const parallelizationFactor = eagerMs > 0 ? totalWorkMs / eagerMs : 1;
  const maxParallelism = waves.reduce((max, wave) => Math.max(max, wave.length), 0);

  const reasons: string[] = [];
  if (tasks.length < 3)
    reasons.push(`only ${tasks.length} task${tasks.length === 1 ? '' : 's'}: not worth the overhead`);
  const dependent = tasks.filter((t) => t.dependsOn.length > 0).length;
  if (tasks.length >= 3 && dependent / tasks.length > 0.5 && maxParallelism <= 1) {
    reasons.push('the graph is a chain: every task waits for the one before it');
  } else if (tasks.length >= 3 && parallelizationFactor < MIN_WORTHWHILE_SPEEDUP) {
    reasons.push(
      `mostly sequential: parallel runs would be only ${parallelizationFactor.toFixed(2)}x faster than one at a time`,
    );
  }
  if (slots === 1) reasons.push('maxParallel is 1: tasks will run one at a time');

  return {
    taskCount: tasks.length,
    edgeCount,
    slots,
    waves,
    criticalPath: path,
    maxParallelism,
    totalWorkMs,
    makespan: { eagerMs, wavesMs, lowerBoundMs, sequentialMs: totalWorkMs },
    parallelizationFactor,
    advice: { worthIt: reasons.length === 0, reasons },
  };
}
