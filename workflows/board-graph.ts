/** The board's graph, a page at a time, for the `graph` query (the web board draws it). */
import type { BoardSpec } from '../src/core/board.js';
import type { BoardGraphPage } from './api.js';

/** About 0.5 MB of answer at most, far below a query's limits. */
export const MAX_GRAPH_TASKS = 2_000;

export function graphPage(board: BoardSpec, request: { offset?: number; limit?: number } = {}): BoardGraphPage {
  const offset = Math.max(0, Math.floor(request.offset ?? 0));
  const limit = Math.min(MAX_GRAPH_TASKS, Math.max(1, Math.floor(request.limit ?? MAX_GRAPH_TASKS)));
  const tasks = board.tasks.slice(offset, offset + limit).map((task) => ({
    id: task.id,
    dependsOn: task.dependsOn,
    estimateMs: task.estimateMs,
    priority: task.priority,
    type: task.type,
    agent: task.agent.kind,
    description: task.description.slice(0, 200),
  }));
  return { tasks, total: board.tasks.length, offset, more: offset + tasks.length < board.tasks.length };
}
