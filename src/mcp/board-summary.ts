/**
 * A board's state as a tool answers it: counts, and the tasks that matter (waiting for approval,
 * running, failed, conflicted, cancelled) each in one short line's worth of fields, so a 1,000-task board costs an
 * agent about what a ten-task one does. Everything else is a page or a filter away.
 */
import type { BoardResult, BoardStatus, TaskState, TaskStatus } from '../core/run-state.js';
import type { Answer } from './answers.js';
import { clip } from './answers.js';

/** The order in which tasks are worth an agent's attention; succeeded, skipped and pending only count. */
const MATTERS: readonly TaskState[] = ['awaiting-approval', 'failed', 'conflicted', 'running', 'cancelled'];

export const DEFAULT_TASK_LIMIT = 30;
export const MAX_TASK_LIMIT = 200;

/** One task, in the fields an agent acts on. */
export function compactTask(task: TaskStatus): Answer {
  return {
    id: task.id,
    state: task.state,
    ...(task.attempts > 1 ? { attempts: task.attempts } : {}),
    ...(task.durationMs !== undefined ? { seconds: Math.round(task.durationMs / 100) / 10 } : {}),
    ...(task.reason ? { reason: clip(task.reason) } : {}),
    ...(task.summary && task.state === 'succeeded' ? { summary: clip(task.summary, 200) } : {}),
    ...(task.kept ? { kept: true } : {}),
    // What it waits for and until when: an agent may decide with approve_task / reject_task.
    ...(task.approval
      ? {
          approval: {
            gate: task.approval.gate,
            since: new Date(task.approval.since).toISOString(),
            ...(task.approval.deadline !== undefined
              ? { deadline: new Date(task.approval.deadline).toISOString(), onTimeout: task.approval.onTimeout }
              : {}),
          },
        }
      : {}),
    ...(task.feedback ? { sentBack: { from: task.feedback.from, comment: clip(task.feedback.comment) } } : {}),
  };
}

export interface SummaryOptions {
  /** Tasks to list; the rest are counted. */
  limit?: number;
  /** List these tasks whatever their state (a filter was asked for): otherwise the ones that matter. */
  listed?: 'matter' | 'all';
}

export function summarizeBoard(status: BoardStatus | BoardResult, options: SummaryOptions = {}): Answer {
  const limit = Math.min(options.limit ?? DEFAULT_TASK_LIMIT, MAX_TASK_LIMIT);
  const candidates =
    options.listed === 'all'
      ? status.tasks
      : MATTERS.flatMap((state) => status.tasks.filter((task) => task.state === state));
  const shown = candidates.slice(0, limit);
  const elapsedMs = (status.endedAt ?? Date.now()) - status.startedAt;
  const metrics = 'metrics' in status ? status.metrics : undefined;
  return {
    board: status.boardId,
    name: status.name,
    state: status.state,
    counts: status.counts,
    elapsedSeconds: Math.round(elapsedMs / 1000),
    maxParallel: status.maxParallel,
    ...(status.seq !== undefined ? { seq: status.seq } : {}),
    ...(status.paused ? { paused: true } : {}),
    ...(status.breakpoint ? { breakpoint: status.breakpoint } : {}),
    ...(status.usage ? { usage: status.usage } : {}),
    ...(status.budget?.exhausted ? { budgetExhausted: status.budget.exhausted } : {}),
    ...(status.integration
      ? { integration: { branch: status.integration.branch, head: status.integration.head } }
      : {}),
    ...(metrics ? { parallelizationFactor: Math.round(metrics.parallelizationFactor * 100) / 100 } : {}),
    tasks: shown.map(compactTask),
    ...(candidates.length > shown.length
      ? { moreTasks: `${candidates.length - shown.length} more not listed: ask with states, ids or a higher limit` }
      : {}),
  };
}

/** What a status says when no worker answered its query. */
export function noWorker(taskQueue: string): string {
  return (
    `no worker answered: nothing is polling task queue "${taskQueue}". ` +
    'Start `todone worker` (or run this MCP server without --no-worker) to run it.'
  );
}
