/**
 * Git mode, workflow side: the board's worktrees and its merge queue. Each task (or candidate)
 * leases a worktree on its own branch, starting from a commit that holds its dependencies' work;
 * its changes are committed there and merged into the integration branch through a queue that
 * takes one task at a time, in completion order. The steps are put together in git-task.ts.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
import type {
  CommitResult,
  IntegrateResult,
  IntegrationInfo,
  NotReplayed,
  PrepareWorktreeInput,
  PreparedWorktree,
  ReplayCommit,
} from '../activities/git/types.js';
import type { BoardSpec, GitSpec, TaskSpec } from '../src/core/board.js';
import type { TaskCommit, TaskOutcome } from '../src/core/outcome.js';
import { capabilityQueue, workerOfQueue } from '../src/core/capabilities.js';
import type { IntegrationStatus } from '../src/core/run-state.js';
import { gitActivities, type Route } from './activity-options.js';
import { FAILURE_TYPES, type WorktreeCarry } from './api.js';

export interface TaskEnd {
  state: 'succeeded' | 'failed' | 'conflicted' | 'cancelled';
  outcome: TaskOutcome;
}

/** A worktree claimed for one task or candidate: what was asked for, and what was made. */
export interface Lease {
  request: PrepareWorktreeInput;
  worktree?: PreparedWorktree;
  /** A remote board: the capabilities a worker needs to take the task's first step. */
  requires?: string[];
  /** Its worker was lost: nothing more is asked of that worker, and its pool slot is free again. */
  abandoned?: boolean;
  /** Workflow time when it was made: a later lease's commit wins the task branch (CommitInput.leasedAt). */
  leasedAt: number;
}

export class WorktreeFlow {
  private integration: IntegrationInfo | undefined;
  private freeSlots: number[] = [];
  /** The merge queue: each integration waits for the one before it. */
  private queue: Promise<unknown> = Promise.resolve();

  readonly acts: ReturnType<typeof gitActivities>;

  constructor(
    readonly board: BoardSpec,
    readonly git: GitSpec,
  ) {
    this.acts = gitActivities(board);
  }

  /**
   * `fresh`: the board starts over, so its integration branch goes back to base. `rebuild`: a
   * resumed board whose integrated work changed; the branch is built again from base with these
   * kept commits. Returns the kept tasks whose work could not be replayed (they run again).
   */
  async start(
    carried?: WorktreeCarry,
    options: { fresh?: boolean; rebuild?: ReplayCommit[] } = {},
  ): Promise<NotReplayed[]> {
    if (carried) {
      this.integration = carried.integration;
      this.freeSlots = [...carried.freeSlots];
      return [];
    }
    const { notReplayed = [], ...integration } = await this.acts.initIntegration({
      git: this.git,
      boardId: this.board.id,
      ...(options.fresh ? { fresh: true } : {}),
      ...(options.rebuild ? { rebuild: options.rebuild } : {}),
    });
    this.integration = integration;
    this.freeSlots = Array.from({ length: this.git.poolSize }, (_, i) => i);
    return notReplayed;
  }

  private get info(): IntegrationInfo {
    if (!this.integration) throw new Error('WorktreeFlow used before start()');
    return this.integration;
  }

  /** The commit the board started from (undefined before start()). */
  get baseSha(): string | undefined {
    return this.integration?.baseSha;
  }

  /** False until start() has the integration branch (status() needs it). */
  get ready(): boolean {
    return this.integration !== undefined;
  }

  carry(): WorktreeCarry {
    return { integration: this.info, freeSlots: this.freeSlots };
  }

  status(): IntegrationStatus {
    return {
      repo: this.git.repo,
      ...(this.git.remote !== undefined ? { remote: this.git.remote } : {}),
      worktreeRoot: this.git.worktreeRoot,
      baseBranch: this.info.baseBranch,
      baseSha: this.info.baseSha,
      branch: this.info.integrationBranch,
      head: this.info.integrationHead,
    };
  }

  /**
   * Claims a worktree for a task or candidate: a free pool slot when the pool has one. `startBranch`
   * names the branch holding `startSha` when it is not on the integration branch.
   */
  lease(unitId: string, startSha: string, requires?: string[], startBranch?: string): Lease {
    const poolSlot = this.freeSlots.shift();
    return {
      request: {
        git: this.git,
        boardId: this.board.id,
        taskId: unitId,
        startSha,
        ...(poolSlot !== undefined ? { poolSlot } : {}),
        ...(startBranch !== undefined ? { startBranch } : {}),
      },
      ...(this.git.remote !== undefined && requires?.length ? { requires } : {}),
      leasedAt: Date.now(),
    };
  }

  /** On a remote board the first step goes to any worker that can run the task; it answers with its own queue. */
  async prepare(lease: Lease, scope: CancellationScope): Promise<PreparedWorktree> {
    const acts = lease.requires
      ? gitActivities(this.board, { taskQueue: capabilityQueue(workflowInfo().taskQueue, lease.requires) })
      : this.acts;
    lease.worktree = await scope.run(() => acts.prepareWorktree(lease.request));
    return lease.worktree;
  }

  /** Where the steps after prepare run: the worker holding a remote board's worktree; undefined on one machine. */
  route(lease: Lease): Route | undefined {
    const queue = lease.worktree?.queue;
    return queue === undefined ? undefined : { taskQueue: queue, lostAfter: true };
  }

  /**
   * The worktree as the task activity sees it: on a remote board, in the clone of the worker that
   * made it (a retry re-prepares it there, without going back to the remote).
   */
  taskWorktree(lease: Lease): PrepareWorktreeInput {
    const made = lease.worktree;
    if (made?.repo === undefined || made.worktreeRoot === undefined) return lease.request;
    const { remote: _remote, ...git } = this.git;
    return { ...lease.request, git: { ...git, repo: made.repo, worktreeRoot: made.worktreeRoot } };
  }

  /**
   * What lost the candidate its worktree, when a step after prepare failed because the worktree is
   * gone: the worker it was routed to stopped answering (nobody took the step from its queue, or it
   * stopped heartbeating), or the folder was removed from under it. The candidate reruns from a new
   * worktree; undefined for any other failure.
   */
  lostWorker(lease: Lease, error: unknown): string | undefined {
    if (!(error instanceof ActivityFailure)) return undefined;
    const queue = lease.worktree?.queue;
    const where = queue === undefined ? 'this machine' : workerOfQueue(queue);
    if (error.cause instanceof ApplicationFailure && error.cause.type === FAILURE_TYPES.worktreeGone)
      return `${where} (its worktree was removed)`;
    if (queue === undefined || !(error.cause instanceof TimeoutFailure)) return undefined;
    const kind = error.cause.timeoutType;
    return kind === 'SCHEDULE_TO_START' || kind === 'HEARTBEAT' ? workerOfQueue(queue) : undefined;
  }

  /** Gives up a lease whose worker is gone: its slot returns to the pool, and release asks that worker nothing. */
  abandon(lease: Lease): void {
    if (lease.abandoned) return;
    lease.abandoned = true;
    if (lease.request.poolSlot !== undefined) this.returnSlot(lease.request.poolSlot);
  }

  /** Commits what the agent changed. Not cancellable: past this point the work exists only in the worktree. */
  async commit(lease: Lease, description: string): Promise<CommitResult> {
    const worktree = lease.worktree!;
    const route = this.route(lease);
    const acts = route ? gitActivities(this.board, route) : this.acts;
    return CancellationScope.nonCancellable(() =>
      acts.commitWork({
        git: this.git,
        boardId: this.board.id,
        taskId: lease.request.taskId,
        description,
        path: worktree.path,
        branch: worktree.branch,
        startSha: lease.request.startSha,
        leasedAt: lease.leasedAt,
      }),
    );
  }

  /** Its dependencies were integrated before it became ready, so the head already holds their work. */
  startShaFor(task: TaskSpec): string {
    return task.dependsOn.length === 0 ? this.info.baseSha : this.info.integrationHead;
  }

  /**
   * Takes the task's turn in the merge queue. `before` is the integration head the task's commit
   * was merged onto: `git diff before head` is what it brought in.
   */
  async integrate(taskId: string, branch: string, taskSha: string): Promise<IntegrateResult & { before: string }> {
    const turn = this.queue.then(async () => {
      // Read and moved within the turn, so the next turn starts from this one's head.
      const before = this.info.integrationHead;
      const result = await CancellationScope.nonCancellable(() =>
        this.acts.integrate({ git: this.git, boardId: this.board.id, taskId, branch, taskSha }),
      );
      this.integration = { ...this.info, integrationHead: result.head };
      return { ...result, before };
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  /**
   * Deletes a task branch whose worktree is gone (a gate's commit, once integrated or given up).
   * On a remote board the worker that takes it deletes its own clone's copy, and the remote's when
   * that clone knew it.
   */
  async dropBranch(branch: string): Promise<void> {
    const prefix = `todone/${this.board.id}/`;
    if (!branch.startsWith(prefix)) return;
    await CancellationScope.nonCancellable(() =>
      this.acts.releaseWorktree({
        git: this.git,
        boardId: this.board.id,
        taskId: branch.slice(prefix.length),
        branch,
        remove: true,
      }),
    );
  }

  /**
   * Removes the worktree (its pool slot returns to the pool) or keeps it; returns the kept path.
   * `keepBranch`: the worktree goes, its branch (and the commit on it) stays.
   */
  async release(lease: Lease, keep: boolean, keepBranch = false): Promise<string | undefined> {
    const { request, worktree } = lease;
    if (lease.abandoned) return undefined;
    if (!worktree) {
      if (request.poolSlot !== undefined) this.returnSlot(request.poolSlot);
      return undefined;
    }
    const route = this.route(lease);
    const acts = route ? gitActivities(this.board, route) : this.acts;
    try {
      await CancellationScope.nonCancellable(() =>
        acts.releaseWorktree({
          git: this.git,
          boardId: this.board.id,
          taskId: request.taskId,
          path: worktree.path,
          branch: worktree.branch,
          ...(request.poolSlot !== undefined ? { poolSlot: request.poolSlot } : {}),
          remove: !keep,
          ...(keepBranch ? { keepBranch: true } : {}),
        }),
      );
    } catch (error) {
      // The worker holding it is gone, and its folder with it (or its start-up sweep tidies it).
      if (this.lostWorker(lease, error) === undefined) throw error;
      this.abandon(lease);
      return undefined;
    }
    // A kept worktree retires its pool slot: the pool never hands out a folder someone is inspecting.
    if (request.poolSlot !== undefined && !keep) this.returnSlot(request.poolSlot);
    return keep ? worktree.path : undefined;
  }

  private returnSlot(slot: number): void {
    this.freeSlots.push(slot);
    this.freeSlots.sort((a, b) => a - b);
  }
}

/** What the task status keeps of a commit: counts and the first paths, not the whole list. */
export function taskCommit(commit: CommitResult, branch: string): TaskCommit {
  return {
    sha: commit.sha,
    branch,
    changed: commit.changed,
    // At least this many: the commit step caps its list (filesTruncated) to keep payloads small.
    files: commit.files.length,
    paths: commit.files.slice(0, 50),
    insertions: commit.insertions,
    deletions: commit.deletions,
  };
}
