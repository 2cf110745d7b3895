/**
 * One task of a running board, from its start to its end in the scheduler: a plain task is one
 * activity, a git task a pipeline of worktree steps (git-task.ts), an aggregate combines its
 * dependencies' outputs. A task with an approval gate after its work waits for a person before it
 * ends (gates.ts); a task sent back (rejected, or a review's changes) starts on top of its earlier
 * work, told why. Never rejects: every outcome, an unexpected failure too, lands in the scheduler
 * and wakes the main loop.
 */
import { CancellationScope, isCancellation } from '@temporalio/workflow';
import type { RunTaskInput } from '../activities/types.js';
import type { TaskSpec } from '../src/core/board.js';
import { aggregateOutputs } from '../src/core/aggregate.js';
import { accumulate, type Spend } from '../src/core/outcome.js';
import type { TaskStatus } from '../src/core/run-state.js';
import type { Usage } from '../src/core/usage.js';
import { taskActivities } from './activity-options.js';
import type { BoardRun } from './board-run.js';
import { failureOutcome, successOutcome } from './failures.js';
import { awaitGate } from './gates.js';
import { runGitTask, type GitTaskContext } from './git-task.js';
import { conclude } from './task-end.js';
import { taskInput } from './task-input.js';
import type { TaskEnd } from './worktree-flow.js';

export async function runOne(run: BoardRun, task: TaskSpec): Promise<void> {
  const scope = new CancellationScope();
  run.scopes.set(task.id, scope);
  let held = false;
  try {
    const cancelReason = () => run.cancelReasons.get(task.id);
    const again = sentBack(run.scheduler.statusOf(task.id)!);
    // Work a person must approve is not integrated (nor its dependents started) until they do.
    const hold = task.approval !== undefined && !task.approval.before;
    const end = task.aggregate
      ? await runAggregate(run, task, scope)
      : run.worktrees
        ? await runGitTask(task, {
            flow: run.worktrees,
            scope,
            cancelReason,
            makeInput: inputFor(run, task, again.feedback),
            ...gitRework(hold, again),
          })
        : await runPlain(run, task, scope, again);
    const own = { ...end.outcome, agent: task.agent.kind };
    run.spend(own.usage);
    const outcome = again.earlier ? { ...own, ...accumulate(again.earlier, own) } : own;
    if (end.state === 'succeeded' && hold) {
      run.scheduler.awaitApproval(task.id, outcome, Date.now());
      run.announceWaiting(task.id);
      held = true;
    } else {
      conclude(run, task, { state: end.state, outcome });
    }
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
    run.announceEnd(task.id);
  } finally {
    run.scopes.delete(task.id);
    run.wake();
  }
  if (held) await awaitGate(run, task);
}

/** A task sent back: what its earlier runs spent, where it starts, and what it is told. */
interface SentBack {
  earlier?: Spend;
  feedback?: RunTaskInput['feedback'];
  startSha?: string;
  startBranch?: string;
  conflictFiles?: string[];
}

function sentBack(status: TaskStatus): SentBack {
  const rework = status.rework;
  if (!rework) return {};
  const earlier: Spend = {
    attempts: status.attempts,
    ...(status.usage ? { usage: status.usage } : {}),
    ...(status.runs ? { runs: status.runs } : {}),
  };
  // After a merge conflict it starts again from the integration head: the comment was for other work.
  const feedback = status.feedback && !rework.conflictFiles ? { ...status.feedback, onEarlierWork: true } : undefined;
  return {
    earlier,
    ...(feedback ? { feedback } : {}),
    ...(rework.startSha ? { startSha: rework.startSha } : {}),
    ...(rework.startBranch ? { startBranch: rework.startBranch } : {}),
    ...(rework.conflictFiles ? { conflictFiles: rework.conflictFiles } : {}),
  };
}

function gitRework(hold: boolean, again: SentBack): Partial<GitTaskContext> {
  const start =
    again.earlier !== undefined
      ? {
          start: {
            ...(again.startSha ? { sha: again.startSha } : {}),
            ...(again.startBranch ? { branch: again.startBranch } : {}),
            ...(again.conflictFiles ? { conflictFiles: again.conflictFiles } : {}),
          },
        }
      : {};
  return { ...(hold ? { hold } : {}), ...start, ...(again.earlier?.usage ? { spentBefore: again.earlier.usage } : {}) };
}

/** What the task's activity is told, for the folder it runs in and what the task spent so far. */
function inputFor(run: BoardRun, task: TaskSpec, feedback?: RunTaskInput['feedback']) {
  return (workdir: string, taskSpent: Usage | undefined) =>
    taskInput(
      run.board,
      task,
      run.scheduler,
      { board: run.spentSoFar, task: taskSpent },
      workdir,
      run.worktrees?.baseSha,
      feedback,
    );
}

async function runPlain(
  run: BoardRun,
  task: TaskSpec,
  scope: CancellationScope,
  again: SentBack = {},
  extra: { reduce?: boolean } = {},
): Promise<TaskEnd> {
  try {
    const result = await scope.run(() =>
      taskActivities(task).runTask({
        ...inputFor(run, task, again.feedback)(run.board.workdir, again.earlier?.usage),
        ...extra,
      }),
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
  if (typeof task.aggregate === 'object') return runPlain(run, task, scope, {}, { reduce: true });
  const { output, report } = aggregateOutputs(task.aggregate!, inputs);
  return { state: 'succeeded', outcome: { attempts: 1, durationMs: 0, output, aggregation: report } };
}
