/**
 * Which tasks a status answer carries. A small board answers with every task, as it always did; a
 * big one answers with counts and the tasks that matter (running, failed, the last to end), and a
 * watcher asks for pages, states, ids or what changed since the `seq` it last saw. Every answer
 * stays far below Temporal's payload limits, whatever the board's size.
 */
import type { TaskState, TaskStatus } from './run-state.js';

export interface StatusRequest {
  /** Only tasks whose state changed after this number (an earlier answer's `seq`). */
  changedSince?: number;
  /** Only tasks in these states. */
  states?: TaskState[];
  /** Only these tasks. */
  ids?: string[];
  /** Every task (paged), not just the ones that matter; implied by the other filters. */
  all?: boolean;
  /** Skip this many matching tasks (paging). */
  offset?: number;
  /** At most this many tasks (capped at MAX_TASKS_PER_ANSWER). */
  limit?: number;
}

/** What the answer's `tasks` hold, when not every task. */
export interface StatusPage {
  /** `relevant`: the tasks that matter on a big board; `selected`: what the request asked for. */
  kind: 'relevant' | 'selected';
  /** Tasks that matched before paging. */
  matched: number;
  offset: number;
  /** More matched than this answer holds: ask again with offset + tasks.length. */
  more: boolean;
}

/** Boards up to this size answer a plain status query with every task. */
export const FULL_STATUS_TASKS = 500;
/** No answer holds more tasks than this (about 0.5 MB at most). */
export const MAX_TASKS_PER_ANSWER = 1_000;
const RELEVANT_FINISHED = 200;

export interface StatusSource {
  total: number;
  seq: number;
  all(): TaskStatus[];
  changedSince(seq: number): TaskStatus[];
  byId(id: string): TaskStatus | undefined;
  recentlyEnded(): readonly string[];
}

export function selectTasks(
  source: StatusSource,
  request: StatusRequest | undefined,
): { tasks: TaskStatus[]; page?: StatusPage } {
  const filtered = request && (request.all || request.changedSince !== undefined || request.states || request.ids);
  if (!filtered) {
    if (source.total <= FULL_STATUS_TASKS && request?.limit === undefined && request?.offset === undefined)
      return { tasks: source.all() };
    if (!request)
      return { tasks: relevant(source), page: { kind: 'relevant', matched: source.total, offset: 0, more: true } };
  }
  let matched: TaskStatus[];
  if (request?.ids) {
    matched = request.ids.map((id) => source.byId(id)).filter((t): t is TaskStatus => t !== undefined);
  } else if (request?.changedSince !== undefined) {
    matched = source.changedSince(request.changedSince);
  } else {
    matched = source.all();
  }
  if (request?.states) {
    const states = new Set(request.states);
    matched = matched.filter((t) => states.has(t.state));
  }
  const offset = Math.max(0, Math.floor(request?.offset ?? 0));
  const limit = Math.min(MAX_TASKS_PER_ANSWER, Math.max(0, Math.floor(request?.limit ?? MAX_TASKS_PER_ANSWER)));
  const tasks = matched.slice(offset, offset + limit);
  return {
    tasks,
    page: { kind: 'selected', matched: matched.length, offset, more: offset + tasks.length < matched.length },
  };
}

/** Running tasks and those waiting for a person, those that failed, conflicted or were cancelled, and the last to end. */
function relevant(source: StatusSource): TaskStatus[] {
  const all = source.all();
  const running = all
    .filter((t) => t.state === 'running' || t.state === 'awaiting-approval')
    .slice(0, MAX_TASKS_PER_ANSWER / 2);
  const troubled = all
    .filter((t) => t.state === 'failed' || t.state === 'conflicted' || t.state === 'cancelled')
    .slice(0, RELEVANT_FINISHED);
  const shown = new Set([...running, ...troubled].map((t) => t.id));
  const recent = source
    .recentlyEnded()
    .filter((id) => !shown.has(id))
    .map((id) => source.byId(id)!);
  return [...running, ...troubled, ...recent];
}
