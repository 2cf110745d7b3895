/**
 * Git mode, workflow side: the board's worktrees and its merge queue. Each task (or candidate)
 * leases a worktree on its own branch, starting from a commit that holds its dependencies' work;
 * its changes are committed there and merged into the integration branch through a queue that
 * takes one task at a time, in completion order. The steps are put together in git-task.ts.
 */
import { CancellationScope } from '@temporalio/workflow';
import type { CommitResult, IntegrateResult, IntegrationInfo, PrepareWorktreeInput, PreparedWorktree } from '../activities/git/types.js';
import type { BoardSpec, GitSpec, TaskSpec } from '../src/core/board.js';
import type { TaskCommit, TaskOutcome } from '../src/core/outcome.js';
import type { IntegrationStatus } from '../src/core/run-state.js';
import { gitActivities } from './activity-options.js';
import type { WorktreeCarry } from './api.js';

export interface TaskEnd {
  state: 'succeeded' | 'failed' | 'conflicted' | 'cancelled';
  outcome: TaskOutcome;
}

/** A worktree claimed for one task or candidate: what was asked for, and what was made. */
export interface Lease {
  request: PrepareWorktreeInput;
  worktree?: PreparedWorktree;
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

  /** `fresh`: the board starts over, so its integration branch goes back to base. */
  async start(carried?: WorktreeCarry, options: { fresh?: boolean } = {}): Promise<void> {
    if (carried) {
      this.integration = carried.integration;
      this.freeSlots = [...carried.freeSlots];
      return;
    }
    this.integration = await this.acts.initIntegration({ git: this.git, boardId: this.board.id, ...(options.fresh ? { fresh: true } : {}) });
    this.freeSlots = Array.from({ length: this.git.poolSize }, (_, i) => i);
  }

  private get info(): IntegrationInfo {
    if (!this.integration) throw new Error('WorktreeFlow used before start()');
    return this.integration;
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
      worktreeRoot: this.git.worktreeRoot,
      baseBranch: this.info.baseBranch,
      baseSha: this.info.baseSha,
      branch: this.info.integrationBranch,
      head: this.info.integrationHead,
    };
  }

  /** Claims a worktree for a task or candidate: a free pool slot when the pool has one. */
  lease(unitId: string, startSha: string): Lease {
    const poolSlot = this.freeSlots.shift();
    return {
      request: { git: this.git, boardId: this.board.id, taskId: unitId, startSha, ...(poolSlot !== undefined ? { poolSlot } : {}) },
    };
  }

  async prepare(lease: Lease, scope: CancellationScope): Promise<PreparedWorktree> {
    lease.worktree = await scope.run(() => this.acts.prepareWorktree(lease.request));
    return lease.worktree;
  }

  /** Commits what the agent changed. Not cancellable: past this point the work exists only in the worktree. */
  async commit(lease: Lease, description: string): Promise<CommitResult> {
    const worktree = lease.worktree!;
    return CancellationScope.nonCancellable(() =>
      this.acts.commitWork({
        git: this.git,
        boardId: this.board.id,
        taskId: lease.request.taskId,
        description,
        path: worktree.path,
        branch: worktree.branch,
        startSha: lease.request.startSha,
      }),
    );
  }

  /** Its dependencies were integrated before it became ready, so the head already holds their work. */
  startShaFor(task: TaskSpec): string {
    return task.dependsOn.length === 0 ? this.info.baseSha : this.info.integrationHead;
  }

  /** Takes the task's turn in the merge queue. */
  async integrate(taskId: string, branch: string, taskSha: string): Promise<IntegrateResult> {
    const turn = this.queue.then(() =>
      CancellationScope.nonCancellable(() => this.acts.integrate({ git: this.git, boardId: this.board.id, taskId, branch, taskSha })),
    );
    this.queue = turn.catch(() => undefined);
    const result = await turn;
    this.integration = { ...this.info, integrationHead: result.head };
    return result;
  }

  /** Removes the worktree (its pool slot returns to the pool) or keeps it; returns the kept path. */
  async release(lease: Lease, keep: boolean): Promise<string | undefined> {
    const { request, worktree } = lease;
    if (!worktree) {
      if (request.poolSlot !== undefined) this.returnSlot(request.poolSlot);
      return undefined;
    }
    await CancellationScope.nonCancellable(() =>
      this.acts.releaseWorktree({
        git: this.git,
        boardId: this.board.id,
        taskId: request.taskId,
        path: worktree.path,
        branch: worktree.branch,
        ...(request.poolSlot !== undefined ? { poolSlot: request.poolSlot } : {}),
        remove: !keep,
      }),
    );
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
