/**
 * Simulated makespans of a board on N slots, each task taking exactly its estimate.
 * `eager` is what the workflow does; `waves` reproduces level-by-level barriers (the original description's waves), for comparison.
 */
import type { SchedulingPolicy } from './board.js';
import { bLevels, topologicalWaves, type Graph } from './graph.js';
import { ReadyQueue, type Rank } from './ready-queue.js';

export interface ScheduledTask {
  id: string;
  slot: number;
  startMs: number;
  endMs: number;
}

export interface Simulation {
  policy: SchedulingPolicy;
  slots: number;
  makespanMs: number;
  schedule: ScheduledTask[];
}

export function simulate(graph: Graph, slots: number, policy: SchedulingPolicy): Simulation {
  if (slots < 1) throw new RangeError('slots must be at least 1');
  const schedule = policy === 'eager' ? simulateEager(graph, slots) : simulateWaves(graph, slots);
  const makespanMs = schedule.reduce((max, t) => Math.max(max, t.endMs), 0);
  return { policy, slots, makespanMs, schedule };
}

/** No schedule on `slots` can finish before the critical path, nor before all work is shared out. */
export function lowerBound(graph: Graph, slots: number, levels: Map<string, number> = bLevels(graph)): number {
  let longest = 0;
  let total = 0;
  for (const id of graph.ids) {
    longest = Math.max(longest, levels.get(id)!);
    total += graph.byId.get(id)!.estimateMs;
  }
  return Math.max(longest, total / slots);
}

function rankOf(graph: Graph, levels: Map<string, number>, id: string): Rank {
  return { id, bLevel: levels.get(id)!, priority: graph.byId.get(id)!.priority };
}

function simulateEager(graph: Graph, slots: number): ScheduledTask[] {
  const levels = bLevels(graph);
  const waiting = new Map<string, number>();
  const ready = new ReadyQueue<Rank>();
  for (const id of graph.ids) {
    const count = new Set(graph.byId.get(id)!.dependsOn).size;
    waiting.set(id, count);
    if (count === 0) ready.push(rankOf(graph, levels, id));
  }
  const freeSlots = Array.from({ length: slots }, (_, i) => i);
  const running: ScheduledTask[] = [];
  const schedule: ScheduledTask[] = [];
  let now = 0;
  while (ready.size > 0 || running.length > 0) {
    while (ready.size > 0 && freeSlots.length > 0) {
      const id = ready.pop()!.id;
      const slot = freeSlots.shift()!;
      const task = { id, slot, startMs: now, endMs: now + graph.byId.get(id)!.estimateMs };
      running.push(task);
      schedule.push(task);
    }
    // Finish everything that ends at the earliest end time together, so simultaneous
    // completions free their slots before the next pick (as the workflow would see them).
    now = Math.min(...running.map((t) => t.endMs));
    for (let i = running.length - 1; i >= 0; i--) {
      const task = running[i]!;
      if (task.endMs !== now) continue;
      running.splice(i, 1);
      freeSlots.push(task.slot);
      for (const child of graph.dependents.get(task.id)!) {
        const left = waiting.get(child)! - 1;
        waiting.set(child, left);
        if (left === 0) ready.push(rankOf(graph, levels, child));
      }
    }
    freeSlots.sort((a, b) => a - b);
  }
  return schedule;
}

function simulateWaves(graph: Graph, slots: number): ScheduledTask[] {
  const levels = bLevels(graph);
  const schedule: ScheduledTask[] = [];
  let barrier = 0;
  for (const wave of topologicalWaves(graph)) {
    const ready = new ReadyQueue<Rank>();
    for (const id of wave) ready.push(rankOf(graph, levels, id));
    const slotFreeAt = Array.from({ length: slots }, () => barrier);
    let waveEnd = barrier;
    while (ready.size > 0) {
      const id = ready.pop()!.id;
      let slot = 0;
      for (let s = 1; s < slots; s++) if (slotFreeAt[s]! < slotFreeAt[slot]!) slot = s;
      const startMs = slotFreeAt[slot]!;
      const endMs = startMs + graph.byId.get(id)!.estimateMs;
      slotFreeAt[slot] = endMs;
      waveEnd = Math.max(waveEnd, endMs);
      schedule.push({ id, slot, startMs, endMs });
    }
    barrier = waveEnd;
  }
  return schedule;
}
