/**
 * One board, one workflow. The workflow decides (a BoardScheduler from the pure core) and the
 * activities do. Each task is one activity whose Temporal retry policy comes from the board;
 * tasks start the moment their dependencies succeed, up to maxParallel at once. In git mode each
 * task also gets a worktree, a commit and a turn in the merge queue (WorktreeFlow).
 */
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { TaskSpec } from '../src/core/board.js';
import {
  computeMetrics,
  type BoardResult,
  type BoardState,
  type BoardStatus,
  type ResumedFrom,
} from '../src/core/run-state.js';
import { BoardScheduler } from '../src/core/scheduler.js';
import { selectTasks, type StatusRequest, type StatusSource } from '../src/core/status-view.js';
import { planResume, taskDefinition } from '../src/core/resume.js';
import type { BoardSpec } from '../src/core/board.js';
import { installSteering, startTasks, type Steerable } from './steering.js';
import { aggregateOutputs } from '../src/core/aggregate.js';
import { addUsage, budgetSpent, withUsage, type Usage } from '../src/core/usage.js';
import { boardActivities, taskActivities } from './activity-options.js';
import {
  boardGraphQuery,
  cancelBoardSignal,
  cancelTaskSignal,
  cancelTaskUpdate,
  statusQuery,
  type BoardWorkflowInput,
} from './api.js';
import { boardDetails, DIGEST_FAILURES } from './board-details.js';
import { graphPage } from './board-graph.js';
import { failureOutcome, successOutcome } from './failures.js';
import { publishFinalState } from './final-state-attribute.js';
import { runGitTask } from './git-task.js';
import { taskInput } from './task-input.js';
import { WorktreeFlow, type TaskEnd } from './worktree-flow.js';

export type { BoardWorkflowInput } from './api.js';

/**
 * Past this many history events the workflow drains its running tasks and continues as new,
 * long before Temporal's 51,200-event hard limit.
 */
const DEFAULT_CONTINUE_AFTER_EVENTS = 20_000;

export async function boardWorkflow(input: BoardWorkflowInput): Promise<BoardResult> {
  // Tasks added and limits changed while it runs make a new board; continued runs carry it.
  let board = input.board ?? (await boardFromDocument(input));
  // Hashed when needed (a task's end, a resume), never for the whole board at once.
  const define = (task: TaskSpec) => taskDefinition(board, task);
  // A resumed board starts with what its last run finished and has not changed since.
  const resumePlan = !input.carried && input.resume ? planResume(board, input.resume.tasks, define) : undefined;
  const resumedFrom: ResumedFrom | undefined =
    input.carried?.resumedFrom ??
    (resumePlan && input.resume
      ? {
          ...(input.resume.runId ? { runId: input.resume.runId } : {}),
          ...(input.resume.state ? { state: input.resume.state } : {}),
          kept: resumePlan.kept.length,
          rerun: resumePlan.rerun.length,
        }
      : undefined);
  const scheduler = new BoardScheduler(board, input.carried?.tasks ?? resumePlan?.kept, input.carried?.seq, define);
  const startedAt = input.carried?.startedAt ?? Date.now();
  const scopes = new Map<string, CancellationScope>();
  const cancelReasons = new Map<string, string>();
  const worktrees = board.git ? new WorktreeFlow(board, board.git) : undefined;
  let boardState: BoardState = 'running';
  let changed = false;
  const steering: Steerable = {
    scheduler,
    board: () => board,
    setBoard: (next: BoardSpec) => void (board = next),
    accepting: () => boardState === 'running',
    paused: input.carried?.paused ?? false,
    ...(input.carried?.breakpoint ? { pausedAt: input.carried.breakpoint } : {}),
    breakpoints: new Set(input.carried ? (input.carried.breakpoints ?? []) : (board.breakpoints ?? [])),
    changes: [...(input.carried?.changes ?? [])],
    wake: () => void (changed = true),
  };
  installSteering(steering);
  let budgetExhausted: string | undefined;
  // A running total, not a sum over every task per start: a 10,000-task board starts 10,000 tasks.
  let spent = (input.carried?.tasks ?? []).reduce<Usage | undefined>((sum, t) => addUsage(sum, t.usage), undefined);
  const boardSpent = (): Usage | undefined => spent;

  const statusSource: StatusSource = {
    get total() {
      return board.tasks.length;
    },
    get seq() {
      return scheduler.changeSeq;
    },
    all: () => scheduler.snapshot(),
    changedSince: (seq) => scheduler.changedSince(seq),
    byId: (id) => {
      const found = scheduler.statusOf(id);
      return found ? { ...found } : undefined;
    },
    recentlyEnded: () => scheduler.recentlyEnded(),
  };

  const status = (request?: StatusRequest): BoardStatus => ({
    boardId: board.id,
    name: board.name,
    policy: board.policy,
    maxParallel: board.maxParallel,
    state: boardState,
    startedAt,
    counts: scheduler.counts,
    seq: scheduler.changeSeq,
    ...(steering.paused ? { paused: true } : {}),
    ...(steering.pausedAt ? { breakpoint: steering.pausedAt } : {}),
    ...(steering.breakpoints.size ? { breakpoints: [...steering.breakpoints] } : {}),
    ...(steering.changes.length ? { changes: steering.changes } : {}),
    ...(resumedFrom ? { resumedFrom } : {}),
    ...selectTasks(statusSource, request),
    ...(worktrees?.ready ? { integration: worktrees.status() } : {}),
    ...withUsage(boardSpent()),
    ...(board.budget
      ? { budget: { ...board.budget, ...(budgetExhausted ? { exhausted: budgetExhausted } : {}) } }
      : {}),
  });

  const cancelTask = (taskId: string, reason: string): { accepted: boolean; state: string } => {
    const current = scheduler.statusOf(taskId);
    if (!current) return { accepted: false, state: 'unknown' };
    if (current.state === 'running') {
      cancelReasons.set(taskId, reason);
      scopes.get(taskId)?.cancel();
      return { accepted: true, state: 'cancelling' };
    }
    if (current.state === 'pending') {
      scheduler.cancelPending(taskId, reason, Date.now());
      changed = true;
      return { accepted: true, state: 'cancelled' };
    }
    return { accepted: false, state: current.state };
  };

  setHandler(statusQuery, status);
  setHandler(boardGraphQuery, (request) => graphPage(board, request));
  // The Web UI's workflow page says what the board is at: counts, spend, failures.
  const details = boardDetails({
    size: () => board.tasks.length,
    status: () => status({ states: ['failed', 'conflicted'], limit: DIGEST_FAILURES }),
  });
  setHandler(cancelTaskSignal, (taskId, reason) => void cancelTask(taskId, reason ?? 'cancelled by request'));
  setHandler(cancelTaskUpdate, ({ taskId, reason }) => cancelTask(taskId, reason ?? 'cancelled by request'), {
    validator: ({ taskId }: { taskId: string }) => {
      if (!scheduler.statusOf(taskId)) throw new Error(`unknown task "${taskId}"`);
    },
  });
  setHandler(cancelBoardSignal, (reason) => {
    if (boardState !== 'running') return;
    boardState = 'cancelling';
    const why = reason ?? 'board cancelled';
    scheduler.cancelAllPending(why, Date.now());
    for (const [taskId, scope] of scopes) {
      cancelReasons.set(taskId, why);
      scope.cancel();
    }
    changed = true;
  });

  /** Once the board's budget is spent nothing new starts; running tasks finish or are cancelled. */
  const enforceBudget = (): void => {
    if (budgetExhausted || !board.budget) return;
    budgetExhausted = budgetSpent(boardSpent(), board.budget);
    if (!budgetExhausted) return;
    const reason = `budget exhausted: ${budgetExhausted}`;
    scheduler.skipAllPending(reason);
    if (board.budget.onExhausted === 'cancel') {
      for (const [taskId, scope] of scopes) {
        cancelReasons.set(taskId, reason);
        scope.cancel();
      }
    }
  };

  // A run continued as new may carry a budget already spent.
  enforceBudget();
  await worktrees?.start(input.carried?.git, { fresh: input.fresh === true });

  const inputFor = (task: TaskSpec) => (workdir: string, taskSpent: Usage | undefined) =>
    taskInput(board, task, scheduler, { board: boardSpent(), task: taskSpent }, workdir);

  const runPlain = async (
    task: TaskSpec,
    scope: CancellationScope,
    extra: { reduce?: boolean } = {},
  ): Promise<TaskEnd> => {
    try {
      const result = await scope.run(() =>
        taskActivities(task).runTask({ ...inputFor(task)(board.workdir, undefined), ...extra }),
      );
      return { state: 'succeeded', outcome: successOutcome(result) };
    } catch (error) {
      const cancelled = isCancellation(error);
      return {
        state: cancelled ? 'cancelled' : 'failed',
        outcome: failureOutcome(error, task, cancelled ? cancelReasons.get(task.id) : undefined),
      };
    }
  };

  /** Fan-in: concat, merge and vote are computed here; a reduce command runs like a shell task, outside any worktree. */
  const runAggregate = async (task: TaskSpec, scope: CancellationScope): Promise<TaskEnd> => {
    const inputs = task.dependsOn.map((id) => ({ id, output: scheduler.statusOf(id)?.output }));
    if (typeof task.aggregate === 'object') return runPlain(task, scope, { reduce: true });
    const { output, report } = aggregateOutputs(task.aggregate!, inputs);
    return { state: 'succeeded', outcome: { attempts: 1, durationMs: 0, output, aggregation: report } };
  };

  const runOne = async (task: TaskSpec): Promise<void> => {
    const scope = new CancellationScope();
    scopes.set(task.id, scope);
    try {
      const cancelReason = () => cancelReasons.get(task.id);
      const end = task.aggregate
        ? await runAggregate(task, scope)
        : worktrees
          ? await runGitTask(task, { flow: worktrees, scope, cancelReason, makeInput: inputFor(task) })
          : await runPlain(task, scope);
      const outcome = { ...end.outcome, agent: task.agent.kind };
      spent = addUsage(spent, outcome.usage);
      if (end.state === 'succeeded') scheduler.succeed(task.id, outcome, Date.now());
      else scheduler.fail(task.id, end.state, outcome, Date.now());
      enforceBudget();
    } catch (error) {
      // A step that failed for good where the pipeline did not expect it (a worktree release out of
      // retries, say): the task fails with the step's message. Uncaught, it would fail every
      // workflow task from here on, and the board would hang.
      if (scheduler.statusOf(task.id)?.state !== 'running') throw error;
      const message =
        error instanceof Error
          ? error.cause instanceof Error
            ? `${error.message}: ${error.cause.message}`
            : error.message
          : String(error);
      scheduler.fail(
        task.id,
        'failed',
        { attempts: 0, reason: `a step of the task failed for good: ${message}`, agent: task.agent.kind },
        Date.now(),
      );
    } finally {
      scopes.delete(task.id);
      changed = true;
    }
  };

  for (;;) {
    const draining =
      boardState === 'running' && shouldContinueAsNew(input.continueAfterEvents ?? DEFAULT_CONTINUE_AFTER_EVENTS);
    if (!draining && boardState === 'running' && !steering.paused) {
      for (const id of startTasks(steering, Date.now())) {
        // runOne never rejects: every outcome, an unexpected failure too, lands in the scheduler and wakes the loop.
        void runOne(scheduler.task(id)!);
      }
    }
    if (scheduler.running === 0 && (draining || scheduler.done)) break;
    details.refresh();
    changed = false;
    await condition(() => changed);
  }

  if (boardState === 'running' && !scheduler.done) {
    // Running tasks were drained first: an activity cannot outlive the run that scheduled it.
    const {
      resume: _resume,
      fresh: _fresh,
      document: _document,
      baseDir: _baseDir,
      overrides: _overrides,
      ...rest
    } = input;
    await continueAsNew<typeof boardWorkflow>({
      ...rest,
      board,
      carried: {
        startedAt,
        tasks: scheduler.snapshot(),
        seq: scheduler.changeSeq,
        ...(worktrees ? { git: worktrees.carry() } : {}),
        ...(steering.paused ? { paused: true } : {}),
        ...(steering.pausedAt ? { breakpoint: steering.pausedAt } : {}),
        ...(steering.breakpoints.size ? { breakpoints: [...steering.breakpoints] } : {}),
        ...(steering.changes.length ? { changes: steering.changes } : {}),
        ...(resumedFrom ? { resumedFrom } : {}),
      },
    });
  }

  const endedAt = Date.now();
  const counts = scheduler.counts;
  const finalState: BoardState =
    (boardState as BoardState) === 'cancelling'
      ? 'cancelled'
      : counts.succeeded === counts.total
        ? 'completed'
        : 'failed';
  boardState = finalState;
  // Search attributes: TodoneState becomes the final state (patched; see final-state-attribute.ts).
  publishFinalState(finalState);
  details.refresh(true);
  const tasks = scheduler.snapshot();
  // The result holds every task, whatever the board's size (External Storage takes a big one).
  const { page: _page, ...final } = status({ ids: [] });
  return { ...final, state: finalState, endedAt, tasks, metrics: computeMetrics(tasks, startedAt, endedAt) };
}

/** A board sent as a document (any language) is normalised by the loader's rules, on a worker. */
async function boardFromDocument(input: BoardWorkflowInput): Promise<BoardSpec> {
  if (input.document === undefined) {
    throw ApplicationFailure.create({
      type: 'InvalidBoard',
      nonRetryable: true,
      message: 'the workflow input has neither `board` nor `document`',
      details: [
        {
          source: 'the workflow input',
          issues: [{ path: '', message: 'give `document` (the board as written) and `baseDir`' }],
        },
      ],
    });
  }
  return await boardActivities().normaliseBoard({
    document: input.document,
    baseDir: input.baseDir ?? '/',
    source: 'the board document',
    ...(input.overrides?.maxParallel !== undefined ? { maxParallel: input.overrides.maxParallel } : {}),
    ...(input.overrides?.policy !== undefined ? { policy: input.overrides.policy } : {}),
  });
}

function shouldContinueAsNew(limit: number): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > limit;
}
