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

export function checkAddedTasks(
  existing: readonly Pick<TaskSpec, 'id' | 'dependsOn'>[],
  added: readonly Pick<TaskSpec, 'id' | 'dependsOn'>[],
  options: { gitBoard: boolean },
): AddedTaskProblem[] {
  if (added.length === 0) return [{ path: 'tasks', message: 'must contain at least one task' }];
  // Every task has an agent by now (normalised): a placeholder keeps checkBoard from asking for one.
  const raw = {
    name: 'board',
    agent: 'true',
    ...(options.gitBoard ? { repo: '.' } : {}),
    tasks: [...existing, ...added].map((t) => ({ id: t.id, dependsOn: [...t.dependsOn] })),
  };
  const problems: AddedTaskProblem[] = [];
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
