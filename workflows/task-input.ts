/**
 * What a task's activity is told: its agent and checks, the board's goal, its dependencies' work,
 * budgets; a task sent back, the comment it was sent back with; a review, the work it judges.
 */
import type { ReviewInput, RunTaskInput, TaskCacheInput } from '../activities/types.js';
import { DEFAULT_REVIEW_ROUNDS, type BoardSpec, type TaskSpec } from '../src/core/board.js';
import type { BoardScheduler } from '../src/core/scheduler.js';
import type { Usage } from '../src/core/usage.js';

export function taskInput(
  board: BoardSpec,
  task: TaskSpec,
  scheduler: BoardScheduler,
  spent: { board?: Usage; task?: Usage },
  workdir: string,
  /** A git board's base commit. */
  base?: string,
  feedback?: RunTaskInput['feedback'],
): RunTaskInput {
  const dependencies = task.dependsOn.map((id) => {
    const status = scheduler.statusOf(id);
    return {
      id,
      description: scheduler.task(id)?.description ?? '',
      ...(status?.summary ? { summary: status.summary } : {}),
      ...(status?.output !== undefined ? { output: status.output } : {}),
      files: status?.commit?.paths ?? [],
    };
  });
  const budgets =
    board.budget || task.budget
      ? {
          ...(board.budget ? { board: { usd: board.budget.usd, tokens: board.budget.tokens } } : {}),
          ...(task.budget ? { task: task.budget } : {}),
          ...(spent.board ? { boardSpent: spent.board } : {}),
          ...(spent.task ? { taskSpent: spent.task } : {}),
        }
      : undefined;
  return {
    boardId: board.id,
    taskId: task.id,
    type: task.type,
    description: task.description,
    workdir,
    agent: task.agent,
    ...(board.goal ? { goal: board.goal } : {}),
    ...(task.idleTimeoutMs ? { idleTimeoutMs: task.idleTimeoutMs } : {}),
    ...(task.expectChanges ? { expectChanges: true } : {}),
    ...(task.validate?.length ? { validate: task.validate } : {}),
    ...(dependencies.length ? { dependencies } : {}),
    ...(budgets ? { budgets } : {}),
    // Work sent back must be redone, not read again from the cache (a comment is not in the key), and
    // a review's verdict is a judgement of this round's work: neither is looked up or stored.
    ...(task.cache && !feedback && !task.reviews ? { cache: cacheInput(task, scheduler, base) } : {}),
    ...(feedback ? { feedback } : {}),
    ...(task.reviews ? { review: reviewInput(board, task, scheduler) } : {}),
  };
}

/** A review's view of the tasks it judges: their briefs, and on git boards where their latest change is. */
function reviewInput(board: BoardSpec, task: TaskSpec, scheduler: BoardScheduler): ReviewInput {
  const round = scheduler.statusOf(task.id)?.round ?? 1;
  return {
    round,
    maxRounds: task.maxRounds ?? DEFAULT_REVIEW_ROUNDS,
    tasks: (task.reviews ?? []).map((id) => {
      const status = scheduler.statusOf(id);
      const commit = status?.commit;
      return {
        id,
        description: scheduler.task(id)?.description ?? '',
        ...(status?.summary ? { summary: status.summary } : {}),
        ...(status?.output !== undefined ? { output: status.output } : {}),
        // A plain board has no diff: what the task printed is what there is to read.
        ...(!board.git && status?.outputTail ? { outputTail: status.outputTail } : {}),
        ...(commit?.integrated ? { changes: commit.integrated } : {}),
        ...(commit?.paths.length ? { files: commit.paths } : {}),
        ...(round > 1 && status?.feedback ? { answered: status.feedback.comment } : {}),
      };
    }),
  };
}

/** A cached task's settings; on a git board, with its base and its dependencies' keys and commits. */
function cacheInput(task: TaskSpec, scheduler: BoardScheduler, base: string | undefined): TaskCacheInput {
  if (base === undefined) return task.cache!;
  const dependencies = task.dependsOn.map((id) => {
    const status = scheduler.statusOf(id);
    return {
      id,
      ...(status?.cache?.key ? { key: status.cache.key } : {}),
      ...(status?.commit ? { commit: status.commit.sha, changed: status.commit.changed } : {}),
    };
  });
  return { ...task.cache!, base, ...(dependencies.length ? { dependencies } : {}) };
}
