/**
 * One task of a running board, from its start to its end in the scheduler: a plain task is one
 * activity, a git task a pipeline of worktree steps (git-task.ts), an aggregate combines its
 * dependencies' outputs. Never rejects: every outcome, an unexpected failure too, lands in the
 * scheduler and wakes the main loop.
 */
import { CancellationScope, isCancellation } from '@temporalio/workflow';
import type { TaskSpec } from '../src/core/board.js';
import { aggregateOutputs } from '../src/core/aggregate.js';
import type { Usage } from '../src/core/usage.js';
import { taskActivities } from './activity-options.js';
import type { BoardRun } from './board-run.js';
import { failureOutcome, successOutcome } from './failures.js';
import { runGitTask } from './git-task.js';
import { taskInput } from './task-input.js';
import type { TaskEnd } from './worktree-flow.js';

export async function runOne(run: BoardRun, task: TaskSpec): Promise<void> {
  const scope = new CancellationScope();
  run.scopes.set(task.id, scope);
  try {
    const cancelReason = () => run.cancelReasons.get(task.id);
    const end = task.aggregate
      ? await runAggregate(run, task, scope)
      : run.worktrees
        ? await runGitTask(task, { flow: run.worktrees, scope, cancelReason, makeInput: inputFor(run, task) })
        : await runPlain(run, task, scope);
    const outcome = { ...end.outcome, agent: task.agent.kind };
    run.spend(outcome.usage);
    if (end.state === 'succeeded') run.scheduler.succeed(task.id, outcome, Date.now());
    else run.scheduler.fail(task.id, end.state, outcome, Date.now());
    run.enforceBudget();
  } catch (error) {
    // A step that failed for good where the pipeline did not expect it (a worktree release out of
    // retries, say): the task fails with the step's message. Uncaught, it would fail every
    // workflow task from here on, and the board would hang.
    if (run.scheduler.statusOf(task.id)?.state !== 'running') throw error;
    const message =
      error instanceof Error
        ? error.cause instanceof Error
          ? `${error.message}: ${error.cause.message}`
          : error.message
        : String(error);
    run.scheduler.fail(
      task.id,
      'failed',
      { attempts: 0, reason: `a step of the task failed for good: ${message}`, agent: task.agent.kind },
      Date.now(),
    );
  } finally {
    run.scopes.delete(task.id);
    run.wake();
  }
}

/** What the task's activity is told, for the folder it runs in and what the task spent so far. */
function inputFor(run: BoardRun, task: TaskSpec) {
  return (workdir: string, taskSpent: Usage | undefined) =>
    taskInput(
      run.board,
      task,
      run.scheduler,
      { board: run.spentSoFar, task: taskSpent },
      workdir,
      run.worktrees?.baseSha,
    );
}

async function runPlain(
  run: BoardRun,
  task: TaskSpec,
  scope: CancellationScope,
  extra: { reduce?: boolean } = {},
): Promise<TaskEnd> {
  try {
    const result = await scope.run(() =>
      taskActivities(task).runTask({ ...inputFor(run, task)(run.board.workdir, undefined), ...extra }),
    );
    return { state: 'succeeded', outcome: successOutcome(result) };
  } catch (error) {
    const cancelled = isCancellation(error);
    return {
      state: cancelled ? 'cancelled' : 'failed',
      outcome: failureOutcome(error, task, cancelled ? run.cancelReasons.get(task.id) : undefined),
    };
  }
}

/** Fan-in: concat, merge and vote are computed here; a reduce command runs like a shell task, outside any worktree. */
async function runAggregate(run: BoardRun, task: TaskSpec, scope: CancellationScope): Promise<TaskEnd> {
  const inputs = task.dependsOn.map((id) => ({ id, output: run.scheduler.statusOf(id)?.output }));
  if (typeof task.aggregate === 'object') return runPlain(run, task, scope, { reduce: true });
  const { output, report } = aggregateOutputs(task.aggregate!, inputs);
  return { state: 'succeeded', outcome: { attempts: 1, durationMs: 0, output, aggregation: report } };
}
