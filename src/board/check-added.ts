/**
 * Tasks added to a running board get the loader's own checks, against the board as it stands:
 * ids safe and new, dependencies known, no cycle. Same rules, same words, so `todone add` fails
 * the way `todone run` would. Pure: the workflow's update validator calls it.
 */
import type { TaskSpec } from '../core/board.js';
import { formatPath, type PathSegment } from './format.js';
import { checkBoard } from './validate.js';

export interface AddedTaskProblem {
  path: string;
  message: string;
}

export interface AddedCheckOptions {
  gitBoard: boolean;
  /**
   * The defaults the board gives an added task with no agent: its `agent`, and the task types it
   * maps under `agents`. Absent: every added task counts as having an agent (normalised tasks do).
   */
  agents?: { board: boolean; types: readonly string[] };
}

/** `added` holds each task as written (the board file's shape), or at least its id and dependsOn. */
export function checkAddedTasks(
  existing: readonly Pick<TaskSpec, 'id' | 'dependsOn' | 'reviews'>[],
  added: readonly unknown[],
  options: AddedCheckOptions,
): AddedTaskProblem[] {
  if (added.length === 0) return [{ path: 'tasks', message: 'must contain at least one task' }];
  const agents = options.agents ?? { board: true, types: [] };
  const raw = {
    name: 'board',
    ...(agents.board ? { agent: 'true' } : {}),
    ...(agents.types.length ? { agents: Object.fromEntries(agents.types.map((type) => [type, 'true'])) } : {}),
    ...(options.gitBoard ? { repo: '.' } : {}),
    tasks: [
      ...existing.map((t) => ({ id: t.id, dependsOn: [...t.dependsOn], ...(t.reviews ? { reviews: t.reviews } : {}) })),
      ...added,
    ],
  };
  const problems: AddedTaskProblem[] = [...reviewsOfExisting(existing, added)];
  for (const issue of checkBoard(raw)) {
    const [head, index, ...rest] = issue.at;
    if (head === 'tasks' && typeof index === 'number') {
      // Problems of the board as it was are not the caller's: only the added tasks are reported.
      if (index < existing.length) continue;
      const at: PathSegment[] = ['tasks', index - existing.length, ...rest];
      const message = issue.message.replace(/\(first used at tasks\[(\d+)\]\)/, (_, first: string) =>
        Number(first) < existing.length
          ? '(already on the board)'
          : `(first used at tasks[${Number(first) - existing.length}])`,
      );
      problems.push({ path: formatPath(at), message });
    } else {
      problems.push({ path: formatPath(issue.at), message: issue.message });
    }
  }
  return problems;
}

/**
 * A review added to a running board reviews tasks added with it: the board's own tasks may have
 * run already, and their dependents with them, on work no review held back.
 */
function reviewsOfExisting(existing: readonly Pick<TaskSpec, 'id'>[], added: readonly unknown[]): AddedTaskProblem[] {
  const onBoard = new Set(existing.map((t) => t.id));
  const problems: AddedTaskProblem[] = [];
  added.forEach((task, i) => {
    if (typeof task !== 'object' || task === null) return;
    const reviews = (task as { reviews?: unknown }).reviews;
    const list = typeof reviews === 'string' ? [reviews] : Array.isArray(reviews) ? reviews : [];
    list.forEach((id: unknown, j) => {
      if (typeof id === 'string' && onBoard.has(id))
        problems.push({
          path: formatPath(['tasks', i, 'reviews', j]),
          message: `task "${id}" is already on the board: a review added to a running board reviews tasks added with it`,
        });
    });
  });
  return problems;
}
