/**
 * One run of a board: everything it holds, in one place. The board (tasks added and limits changed
 * while it runs make a new one), the scheduler's task states, the steering state (paused, the
 * breakpoints, who changed what), the spend and the budget, the worktrees of a git board, and the
 * cancellation scopes of running tasks. It builds both what the `status` query answers and what a
 * run hands to the next when it continues as new, from the same fields.
 */
import type { CancellationScope } from '@temporalio/workflow';
import type { BoardSpec, TaskSpec } from '../src/core/board.js';
import { planResume, taskDefinition, type ResumePlan } from '../src/core/resume.js';
import {
  computeMetrics,
  type BoardChange,
  type BoardResult,
  type BoardState,
  type BoardStatus,
  type ResumedFrom,
} from '../src/core/run-state.js';
import { BoardScheduler } from '../src/core/scheduler.js';
import { selectTasks, type StatusRequest, type StatusSource } from '../src/core/status-view.js';
import { addUsage, budgetSpent, withUsage, type Usage } from '../src/core/usage.js';
import {
  awaitingApproval,
  budgetExhausted,
  taskFailed,
  type BoardFacts,
  type NotificationBody,
} from '../src/core/notification.js';
import { workflowInfo } from '@temporalio/workflow';
import type { BoardWorkflowInput, CarriedState } from './api.js';
import { boardDetails, DIGEST_FAILURES } from './board-details.js';
import { integrationToRebuild } from './resumed-integration.js';
import { Notifier } from './notifications.js';
import { WorktreeFlow } from './worktree-flow.js';

/** Changes kept in the record of who changed what (the oldest go first). */
const KEPT_CHANGES = 100;

export class BoardRun {
  board: BoardSpec;
  readonly scheduler: BoardScheduler;
  readonly startedAt: number;
  /** A resumed board: which run it resumed, and what it kept. */
  resumedFrom: ResumedFrom | undefined;
  /** A resumed board: what it keeps of the last run (git boards may rebuild their branch from it). */
  private readonly resumePlan: ResumePlan | undefined;
  /** Git mode: the board's worktrees and merge queue. */
  readonly worktrees: WorktreeFlow | undefined;
  state: BoardState = 'running';
  /** Nothing new starts (`pause`, or a breakpoint); running tasks go on. */
  paused: boolean;
  /** The task a breakpoint paused the board before, if that is why it is paused. */
  pausedAt: string | undefined;
  /** Breakpoints not reached yet: the board pauses before each of these tasks starts. */
  readonly breakpoints: Set<string>;
  /** Who changed what on the running board, oldest first. */
  readonly changes: BoardChange[];
  budgetExhausted: string | undefined;
  /** Running tasks' scopes, to cancel them, and why each was cancelled. */
  readonly scopes = new Map<string, CancellationScope>();
  readonly cancelReasons = new Map<string, string>();
  /** A running total, not a sum over every task per start: a 10,000-task board starts 10,000 tasks. */
  private spent: Usage | undefined;
  /** Something the main loop must look at happened. */
  changed = false;
  private readonly details: { refresh(force?: boolean): void };
  private readonly statusSource: StatusSource;
  /** The board's webhooks. */
  readonly notifier: Notifier;

  constructor(board: BoardSpec, input: Pick<BoardWorkflowInput, 'carried' | 'resume'>) {
    this.board = board;
    const { carried } = input;
    // Hashed when needed (a task's end, a resume), never for the whole board at once.
    const define = (task: TaskSpec) => taskDefinition(this.board, task);
    // A resumed board starts with what its last run finished and has not changed since.
    const resumePlan = !carried && input.resume ? planResume(board, input.resume.tasks, define) : undefined;
    this.resumePlan = resumePlan;
    this.resumedFrom =
      carried?.resumedFrom ??
      (resumePlan && input.resume
        ? {
            ...(input.resume.runId ? { runId: input.resume.runId } : {}),
            ...(input.resume.state ? { state: input.resume.state } : {}),
            kept: resumePlan.kept.length,
            rerun: resumePlan.rerun.length,
            ...(resumePlan.cached.length ? { cached: resumePlan.cached.length } : {}),
          }
        : undefined);
    this.scheduler = new BoardScheduler(board, carried?.tasks ?? resumePlan?.kept, carried?.seq, define);
    this.startedAt = carried?.startedAt ?? Date.now();
    this.worktrees = board.git ? new WorktreeFlow(board, board.git) : undefined;
    this.paused = carried?.paused ?? false;
    this.pausedAt = carried?.breakpoint;
    this.breakpoints = new Set(carried ? (carried.breakpoints ?? []) : (board.breakpoints ?? []));
    this.changes = [...(carried?.changes ?? [])];
    this.notifier = new Notifier(
      () => this.board.notify,
      () => this.wake(),
      carried?.notifications,
    );
    this.spent = (carried?.tasks ?? []).reduce<Usage | undefined>((sum, t) => addUsage(sum, t.usage), undefined);
    const tasks = () => this.board.tasks;
    const scheduler = this.scheduler;
    this.statusSource = {
      get total() {
        return tasks().length;
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
    // The Web UI's workflow page says what the board is at: counts, spend, failures.
    this.details = boardDetails({
      status: () => this.status({ states: ['awaiting-approval', 'failed', 'conflicted'], limit: 2 * DIGEST_FAILURES }),
    });
  }

  /**
   * Git mode: the integration branch taken up, created, or put back to base (`fresh`); a resumed
   * board whose integrated work changed has it rebuilt from base with its kept tasks' commits, and a
   * kept task whose commit does not replay there runs again, with what depends on it.
   */
  async openWorktrees(input: Pick<BoardWorkflowInput, 'carried' | 'fresh' | 'resume'>): Promise<void> {
    if (!this.worktrees) return;
    const rebuild = this.resumePlan && integrationToRebuild(this.board, input, this.resumePlan);
    const notReplayed = await this.worktrees.start(input.carried?.git, {
      fresh: input.fresh === true,
      ...(rebuild ? { rebuild } : {}),
    });
    if (notReplayed.length === 0) return;
    const reopened = this.scheduler.reopenKept(notReplayed.map((n) => n.taskId));
    if (this.resumedFrom && reopened.length)
      this.resumedFrom = {
        ...this.resumedFrom,
        kept: this.resumedFrom.kept - reopened.length,
        rerun: this.resumedFrom.rerun + reopened.length,
      };
  }

  /** Whether the board still takes changes (not cancelling, not ending). */
  get accepting(): boolean {
    return this.state === 'running';
  }

  get spentSoFar(): Usage | undefined {
    return this.spent;
  }

  wake(): void {
    this.changed = true;
  }

  /** What the `status` query answers. */
  status(request?: StatusRequest): BoardStatus {
    const { board, scheduler } = this;
    return {
      boardId: board.id,
      name: board.name,
      policy: board.policy,
      maxParallel: board.maxParallel,
      state: this.state,
      startedAt: this.startedAt,
      counts: scheduler.counts,
      seq: scheduler.changeSeq,
      ...this.steering(),
      ...selectTasks(this.statusSource, request),
      ...(this.worktrees?.ready ? { integration: this.worktrees.status() } : {}),
      ...withUsage(this.spent),
      ...(board.budget
        ? { budget: { ...board.budget, ...(this.budgetExhausted ? { exhausted: this.budgetExhausted } : {}) } }
        : {}),
      ...(this.notifier.status ? { notifications: this.notifier.status } : {}),
    };
  }

  /** What this run hands to the next when it continues as new. Nothing is running at that point. */
  carried(): CarriedState {
    return {
      startedAt: this.startedAt,
      tasks: this.scheduler.snapshot(),
      seq: this.scheduler.changeSeq,
      ...(this.worktrees ? { git: this.worktrees.carry() } : {}),
      ...this.steering(),
      ...(this.notifier.status ? { notifications: this.notifier.status } : {}),
    };
  }

  /** The board's result: every task, whatever the board's size (External Storage takes a big one). */
  result(finalState: BoardState, endedAt: number): BoardResult {
    const tasks = this.scheduler.snapshot();
    const { page: _page, ...final } = this.status({ ids: [] });
    return { ...final, state: finalState, endedAt, tasks, metrics: computeMetrics(tasks, this.startedAt, endedAt) };
  }

  /** The fields status and carried state share: the steering state and where the run came from. */
  private steering() {
    return {
      ...(this.paused ? { paused: true } : {}),
      ...(this.pausedAt ? { breakpoint: this.pausedAt } : {}),
      ...(this.breakpoints.size ? { breakpoints: [...this.breakpoints] } : {}),
      ...(this.changes.length ? { changes: this.changes } : {}),
      ...(this.resumedFrom ? { resumedFrom: this.resumedFrom } : {}),
    };
  }

  /** The Web UI's details, kept current (cheaply on a big board; `force` at the end). */
  refreshDetails(force = false): void {
    this.details.refresh(force);
  }

  /** Records a change to the running board: when, by whom, what. */
  record(kind: BoardChange['kind'], detail: string, by: string | undefined): void {
    this.changes.push({ at: Date.now(), ...(by ? { by } : {}), kind, detail });
    if (this.changes.length > KEPT_CHANGES) this.changes.splice(0, this.changes.length - KEPT_CHANGES);
    this.wake();
  }

  /**
   * Starts what may start, stopping at a breakpoint: the board pauses before that task (once) and
   * says so. Returns the ids started, and those that now wait for a person's approval to start.
   */
  startTasks(now: number): { started: string[]; held: string[] } {
    const { started, held, stoppedAt } = this.scheduler.startNextUntil(now, this.breakpoints);
    if (stoppedAt !== undefined) {
      this.breakpoints.delete(stoppedAt);
      this.paused = true;
      this.pausedAt = stoppedAt;
      this.changes.push({ at: now, kind: 'breakpoint', detail: `paused before ${stoppedAt} (breakpoint)` });
    }
    for (const id of held) this.announceWaiting(id);
    return { started, held };
  }

  /** Tells the webhooks that a task waits for a person. */
  announceWaiting(taskId: string): void {
    const wait = this.scheduler.statusOf(taskId)?.approval;
    if (!wait) return;
    this.notify(
      awaitingApproval(this.facts(), Date.now(), {
        id: taskId,
        gate: wait.gate,
        ...(wait.deadline !== undefined ? { deadline: wait.deadline, onTimeout: wait.onTimeout } : {}),
      }),
    );
  }

  /** Tells the webhooks that a task failed (or conflicted), if it did. */
  announceEnd(taskId: string): void {
    const status = this.scheduler.statusOf(taskId);
    if (status && (status.state === 'failed' || status.state === 'conflicted'))
      this.notify(taskFailed(this.facts(), Date.now(), status));
  }

  notify(body: NotificationBody): void {
    if (this.board.notify?.length) this.notifier.send(body);
  }

  /** The board as a notification names it. */
  facts(state: BoardState = this.state): BoardFacts {
    return {
      id: this.board.id,
      name: this.board.name,
      state,
      counts: this.scheduler.counts,
      workflowId: workflowInfo().workflowId,
    };
  }

  /** A running task's process is killed through its activity; a pending task is cancelled at once, as is one waiting for a person. */
  cancelTask(taskId: string, reason: string): { accepted: boolean; state: string } {
    const current = this.scheduler.statusOf(taskId);
    if (!current) return { accepted: false, state: 'unknown' };
    if (current.state === 'running') {
      this.cancelReasons.set(taskId, reason);
      this.scopes.get(taskId)?.cancel();
      return { accepted: true, state: 'cancelling' };
    }
    if (current.state === 'pending' || current.state === 'awaiting-approval') {
      this.scheduler.cancelPending(taskId, reason, Date.now());
      this.wake();
      return { accepted: true, state: 'cancelled' };
    }
    return { accepted: false, state: current.state };
  }

  /** Running tasks are killed, nothing new starts; the board ends `cancelled`. */
  cancelBoard(reason: string): void {
    if (this.state !== 'running') return;
    this.state = 'cancelling';
    this.scheduler.cancelAllPending(reason, Date.now());
    this.cancelRunning(reason);
    this.wake();
  }

  /** A task's end: its spend counts towards the board's budget. */
  spend(usage: Usage | undefined): void {
    this.spent = addUsage(this.spent, usage);
  }

  /**
   * Once the board's budget is spent nothing new starts; running tasks finish or are cancelled.
   * `announce`: tell the webhooks (not for a budget a run continued as new already had spent).
   */
  enforceBudget(announce = true): void {
    const { budget } = this.board;
    if (this.budgetExhausted || !budget) return;
    this.budgetExhausted = budgetSpent(this.spent, budget);
    if (!this.budgetExhausted) return;
    if (announce) this.notify(budgetExhausted(this.facts(), Date.now(), this.budgetExhausted));
    const reason = `budget exhausted: ${this.budgetExhausted}`;
    this.scheduler.skipAllPending(reason);
    if (budget.onExhausted === 'cancel') this.cancelRunning(reason);
  }

  private cancelRunning(reason: string): void {
    for (const [taskId, scope] of this.scopes) {
      this.cancelReasons.set(taskId, reason);
      scope.cancel();
    }
  }
}
