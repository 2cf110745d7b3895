/**
 * The board's shape for pictures: its tasks and dependencies (the workflow's `graph` query, read
 * page by page), its waves, and the schedule its estimates plan (the eager simulation), so the page
 * can put the planned timeline beside the actual one.
 */
import type { BoardClient } from '../client/board-client.js';
import { buildGraph, topologicalWaves } from '../core/graph.js';
import { simulate } from '../core/simulate.js';
import { boardGraphQuery, type BoardGraphTask } from '../../workflows/api.js';

export interface BoardPicture {
  tasks: BoardGraphTask[];
  /** Task ids by execution level. */
  waves: string[][];
  /** Planned start and end of each task, ms after the board's start, on maxParallel slots. */
  planned: Record<string, { startMs: number; endMs: number }>;
  plannedMakespanMs: number;
  maxParallel: number;
}

export async function readGraph(boards: BoardClient, boardId: string, timeoutMs = 5_000): Promise<BoardGraphTask[]> {
  const handle = boards.handle(boardId);
  const tasks: BoardGraphTask[] = [];
  for (;;) {
    const page = await boards.client.withDeadline(Date.now() + timeoutMs, () =>
      handle.query(boardGraphQuery, { offset: tasks.length }),
    );
    tasks.push(...page.tasks);
    if (!page.more || page.tasks.length === 0) return tasks;
  }
}

export function picture(tasks: BoardGraphTask[], maxParallel: number): BoardPicture {
  const graph = buildGraph(tasks);
  const simulation = simulate(graph, Math.max(1, maxParallel), 'eager');
  const planned: BoardPicture['planned'] = {};
  for (const t of simulation.schedule) planned[t.id] = { startMs: t.startMs, endMs: t.endMs };
  return { tasks, waves: topologicalWaves(graph), planned, plannedMakespanMs: simulation.makespanMs, maxParallel };
}
