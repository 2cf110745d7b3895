/**
 * The boards Temporal knows (its visibility store): the newest first, filtered by state and by a
 * piece of their id. Visibility holds no board settings, so the repository is not a filter here;
 * the board's own page shows it.
 */
import type { Client } from '@temporalio/client';
import { listBoardExecutions } from '../../temporal/board-executions.js';
import { BOARD_WORKFLOW_TYPE } from '../../workflows/api.js';

export interface BoardListing {
  boardId: string;
  workflowId: string;
  runId: string;
  /** RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, CONTINUED_AS_NEW, TIMED_OUT. */
  state: string;
  startedAt: string;
  closedAt?: string;
  taskQueue: string;
}

export interface BoardListQuery {
  /** Part of the board id, any case. */
  name?: string;
  /** running, closed, failed, completed, cancelled, terminated. */
  state?: string;
  /** At most this many (default 200). */
  limit?: number;
}

const STATE_FILTERS: Record<string, string> = {
  running: `ExecutionStatus = 'Running'`,
  completed: `ExecutionStatus = 'Completed'`,
  failed: `ExecutionStatus = 'Failed'`,
  cancelled: `ExecutionStatus = 'Canceled'`,
  terminated: `ExecutionStatus = 'Terminated'`,
  closed: `ExecutionStatus != 'Running'`,
};

export async function listBoards(client: Client, query: BoardListQuery = {}): Promise<BoardListing[]> {
  const clauses = [`WorkflowType = '${BOARD_WORKFLOW_TYPE}'`];
  const state = query.state && Object.hasOwn(STATE_FILTERS, query.state) ? STATE_FILTERS[query.state] : undefined;
  if (state) clauses.push(state);
  const name = query.name?.trim().toLowerCase();
  const limit = Math.min(1_000, query.limit ?? 200);
  const found: BoardListing[] = [];
  // Newest first is visibility's own order; the name filter is applied here (ids are free text to it).
  for await (const info of listBoardExecutions(client, clauses.join(' AND '), name ? 10_000 : limit)) {
    const boardId = info.workflowId.replace(/^todone-board-/, '');
    if (name && !boardId.toLowerCase().includes(name)) continue;
    found.push({
      boardId,
      workflowId: info.workflowId,
      runId: info.runId,
      state: info.state,
      startedAt: info.startedAt.toISOString(),
      ...(info.closedAt ? { closedAt: info.closedAt.toISOString() } : {}),
      taskQueue: info.taskQueue,
    });
    if (found.length >= limit) break;
  }
  return found;
}
