/**
 * Tasks joined to a running board by the addTasks update. A task comes in the board file's own
 * shape (what a person writes under `tasks:`: a string `dependsOn`, a string `agent`, durations as
 * "5m") and is normalised here with the board's defaults, as the loader normalised the board's own
 * tasks; or already normalised (a TaskSpec: Todone's own clients send those), and then its shape is
 * checked. Either way the loader's checks follow: ids, dependencies, cycles, limits, control
 * characters. Pure: the update's validator reads a request with `readAddedTasks`, and its handler
 * builds the same tasks again with `addedTaskSpecs` (validators do not run when a history is
 * replayed), so nothing the update accepts can fail a workflow task.
 */
import type { BoardDefaults, BoardSpec, TaskSpec } from '../core/board.js';
import { formatCount, LIMITS } from '../core/limits.js';
import { withReviewWaits } from '../core/reviews.js';
import { resolvePosixPath } from '../core/rules.js';
import { buildTask, type ResolvePath } from './build-task.js';
import { checkAddedTasks, type AddedTaskProblem } from './check-added.js';
import { formatPath, type BoardIssue } from './format.js';
import { boardSchemas } from './schema.js';
import { taskSpecSchema } from './task-spec-schema.js';
import { checkText } from './text-check.js';
import { fromZodError } from './zod-issues.js';

export type AddedTasksReading = { tasks: TaskSpec[] } | { problems: AddedTaskProblem[] };

/** Every check the loader would make, against the board as it stands now. */
export function readAddedTasks(board: BoardSpec, tasks: unknown): AddedTasksReading {
  if (!Array.isArray(tasks)) return refused([{ path: 'tasks', message: 'expected a list of tasks' }]);
  if (tasks.length === 0) return refused([{ path: 'tasks', message: 'must contain at least one task' }]);
  const total = board.tasks.length + tasks.length;
  if (total > LIMITS.tasks) {
    return refused([
      {
        path: 'tasks',
        message: `the board would have ${formatCount(total)} tasks: at most ${formatCount(LIMITS.tasks)}`,
      },
    ]);
  }
  const defaults = defaultsOf(board);
  const issues: BoardIssue[] = [];
  const built: TaskSpec[] = [];
  // What the relations are checked on: a task as written, or the relevant part of a normalised one.
  const written: unknown[] = [];
  tasks.forEach((task: unknown, i) => {
    const asWritten = boardSchemas().taskSchema.safeParse(task);
    if (asWritten.success) {
      built.push(buildTask(asWritten.data, i, { defaults, resolvePath: resolverFor(defaults), issues }));
      written.push(task);
      return;
    }
    const normalised = taskSpecSchema().safeParse(task);
    if (normalised.success) {
      const spec = task as TaskSpec;
      built.push(spec);
      written.push({
        id: spec.id,
        dependsOn: spec.dependsOn,
        ...(spec.aggregate ? { aggregate: spec.aggregate } : { agent: 'true' }),
        ...(spec.reviews ? { reviews: spec.reviews } : {}),
      });
      return;
    }
    // Neither shape: said in the board file's words, the shape the contract documents.
    issues.push(...fromZodError(asWritten.error, { tasks }, ['tasks', i]));
    written.push(task);
  });
  const problems = [
    ...issues.map((issue) => ({ path: formatPath(issue.at), message: issue.message })),
    ...checkAddedTasks(board.tasks, written, {
      gitBoard: board.git !== undefined,
      agents: { board: defaults.agent !== undefined, types: Object.keys(defaults.agents ?? {}) },
    }),
  ];
  const named = new Set(problems.map((p) => p.path));
  for (const issue of checkText(tasks)) {
    const path = formatPath(['tasks', ...issue.at]);
    if (!named.has(path)) problems.push({ path, message: issue.message });
  }
  return problems.length > 0 ? refused(problems) : { tasks: withReviewWaits(built, board.tasks) };
}

/**
 * The tasks of a request `readAddedTasks` accepted, built the same way. A task that is not in the
 * board file's shape is taken as it is, exactly as earlier versions took every task, so histories
 * recorded by them replay unchanged.
 */
export function addedTaskSpecs(board: BoardSpec, tasks: readonly unknown[]): TaskSpec[] {
  const defaults = defaultsOf(board);
  const built = tasks.map((task, i) => {
    const asWritten = boardSchemas().taskSchema.safeParse(task);
    if (!asWritten.success) return task as TaskSpec;
    return buildTask(asWritten.data, i, { defaults, resolvePath: resolverFor(defaults), issues: [] });
  });
  // Boards with no review anywhere get their tasks back as they were: recorded histories replay unchanged.
  return withReviewWaits(built, board.tasks);
}

/** A board started by an earlier version has no defaults: its folder, and no agent to inherit. */
function defaultsOf(board: BoardSpec): BoardDefaults {
  return board.defaults ?? { baseDir: board.workdir, git: board.git !== undefined };
}

/** A relative `bin` starts at the board's folder; `~` is only known on the worker, so it is refused. */
function resolverFor(defaults: BoardDefaults): ResolvePath {
  return (written) =>
    resolvePosixPath(defaults.baseDir, written) ?? {
      problem: 'a path starting with ~ cannot be resolved on a running board: give an absolute path',
    };
}

function refused(problems: AddedTaskProblem[]): AddedTasksReading {
  return { problems };
}
