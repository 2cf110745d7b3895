/**
 * A task's cache settings as the loader normalises them: whether its result may come from the
 * cache (its own `cache`, then the board's for its type, then the board's for all; off unless
 * asked), the globs of its input files (its own, else the board's) and the variables its key
 * names (the board's and its own). A plain board has no commit to read a task's inputs from, so a
 * cached task there must name them; best of N is not cached (which candidate wins is not a
 * function of the inputs).
 */
import type { BoardDefaults, TaskSpec, TaskType } from '../core/board.js';
import type { BoardIssue } from './format.js';
import type { RawTask } from './schema.js';

export function buildCache(
  task: RawTask,
  index: number,
  type: TaskType,
  board: BoardDefaults,
  issues: BoardIssue[],
): Pick<TaskSpec, 'cache'> {
  const boardSetting = typeof board.cache === 'object' ? board.cache[type] : board.cache;
  if (!(task.cache ?? boardSetting ?? false)) return {};
  const at = task.cache !== undefined ? ['tasks', index, 'cache'] : ['cache'];
  if (task.aggregate !== undefined && typeof task.aggregate !== 'object') return {};
  if (task.attempts !== undefined) {
    issues.push({
      at,
      message: `task "${task.id}" runs best of N, whose pick is not a function of its inputs: it cannot be cached`,
    });
    return {};
  }
  const inputs = task.inputs ?? board.inputs;
  if (inputs === undefined && !board.git) {
    issues.push({
      at: ['tasks', index, 'inputs'],
      message:
        `task "${task.id}" is cached on a board without a repository: name its input files ` +
        '(inputs: [globs relative to the workdir], on the task or the board) so a change to them is seen',
    });
    return {};
  }
  const env = [...new Set([...(board.cacheEnv ?? []), ...(task.cacheEnv ?? [])])].sort();
  return { cache: { ...(inputs ? { inputs: [...new Set(inputs)] } : {}), ...(env.length ? { env } : {}) } };
}
