/**
 * Git mode, workflow side: each task gets a worktree on its own branch, starts from a commit that
 * holds its dependencies' work, has its changes committed, and is merged into the integration
 * branch through a queue that handles one task at a time, in completion order.
 */
import { CancellationScope, isCancellation } from '@temporalio/workflow';
import type { RunTaskInput } from '../activities/types.js';
import { addUsage, withUsage, type Usage } from '../src/core/usage.js';
import type { CommitResult, IntegrateResult, IntegrationInfo, PrepareWorktreeInput, PreparedWorktree } from '../activities/git/types.js';
import type { BoardSpec, GitSpec, TaskSpec } from '../src/core/board.js';
import type { IntegrationStatus, TaskCommit } from '../src/core/run-state.js';
import type { Outcome } from '../src/core/scheduler.js';
import { gitActivities, taskActivities } from './activity-options.js';
import { failureOutcome, successOutcome } from './failures.js';

export interface TaskEnd {
  state: 'succeeded' | 'failed' | 'conflicted' | 'cancelled';
  outcome: Outcome;
}

/** What survives a continue-as-new: nothing is running then, so every pool slot is idle. */
export interface WorktreeCarry {
  integration: IntegrationInfo;
  freeSlots: number[];
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

  async start(carried?: WorktreeCarry): Promise<void> {
    if (carried) {
      this.integration = carried.integration;
      this.freeSlots = [...carried.freeSlots];
      return;
    }
    this.integration = await this.acts.initIntegration({ git: this.git, boardId: this.board.id });
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

  /**
   * Runs one task to its end. `scope` is the task's cancellation scope: cancelling it kills the
   * agent, but a merge already under way finishes (it is quick and must not be left half done).
   */
  async run(
    task: TaskSpec,
    scope: CancellationScope,
    cancelReason: () => string | undefined,
    makeInput: (workdir: string, taskSpent: Usage | undefined) => RunTaskInput,
  ): Promise<TaskEnd> {
    let startSha = this.startShaFor(task);
    let conflictsLeft = this.git.onConflict === 'retry' ? this.git.conflictRetries : 0;
    let previousConflict: string[] | undefined;
    let attemptsSoFar = 0;
    let usageSoFar: Usage | undefined;

    for (;;) {
      const poolSlot = this.freeSlots.shift();
      const request: PrepareWorktreeInput = {
        git: this.git,
        boardId: this.board.id,
        taskId: task.id,
        startSha,
        ...(poolSlot !== undefined ? { poolSlot } : {}),
      };
      let worktree: PreparedWorktree | undefined;
      let outcome: Outcome;
      try {
        worktree = await scope.run(() => this.acts.prepareWorktree(request));
        const result = await scope.run(() =>
          taskActivities(task).runTask({
            ...makeInput(worktree!.path, usageSoFar),
            worktree: request,
            ...(previousConflict ? { env: { TODONE_CONFLICT_FILES: previousConflict.join('\n') } } : {}),
          }),
        );
        const succeeded = successOutcome(result);
        outcome = { ...succeeded, attempts: attemptsSoFar + result.attempt, ...withUsage(addUsage(usageSoFar, succeeded.usage)) };
      } catch (error) {
        const cancelled = isCancellation(error);
        const failed = failureOutcome(error, task, cancelled ? cancelReason() : undefined);
        const kept = await this.release(task, request, worktree, !cancelled && this.git.keepFailedWorktrees);
        return {
          state: cancelled ? 'cancelled' : 'failed',
          outcome: {
            ...failed,
            attempts: attemptsSoFar + failed.attempts,
            ...withUsage(addUsage(usageSoFar, failed.usage)),
            ...(kept ? { worktree: kept } : {}),
          },
        };
      }
      attemptsSoFar = outcome.attempts;
      usageSoFar = outcome.usage;

      // Past this point the agent's work exists only in the worktree: finish committing and merging
      // even if the task is cancelled meanwhile, so nothing is lost half way.
      const merged = await CancellationScope.nonCancellable(async () => {
        const commit = await this.acts.commitWork({
          git: this.git,
          boardId: this.board.id,
          taskId: task.id,
          description: task.description,
          path: worktree.path,
          branch: worktree.branch,
          startSha,
        });
        const result = await this.integrate(task, worktree.branch, commit.sha);
        return { commit, result };
      });
      const commit = taskCommit(merged.commit, worktree.branch);

      if (merged.result.kind !== 'conflicted') {
        await this.release(task, request, worktree, false);
        return { state: 'succeeded', outcome: { ...outcome, commit } };
      }

      const files = merged.result.files;
      const kept = await this.release(task, request, worktree, conflictsLeft === 0 && this.git.keepFailedWorktrees);
      if (conflictsLeft > 0) {
        conflictsLeft--;
        previousConflict = files;
        startSha = this.info.integrationHead;
        continue;
      }
      return {
        state: 'conflicted',
        outcome: {
          ...outcome,
          commit,
          conflictFiles: files,
          reason: `merge conflict in ${files.length} file${files.length === 1 ? '' : 's'}: ${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''}`,
          ...(kept ? { worktree: kept } : {}),
        },
      };
    }
  }

  /** Its dependencies were integrated before it became ready, so the head already holds their work. */
  startShaFor(task: TaskSpec): string {
    return task.dependsOn.length === 0 ? this.info.baseSha : this.info.integrationHead;
  }

  /** Takes the task's turn in the merge queue. */
  async integrate(task: TaskSpec, branch: string, taskSha: string): Promise<IntegrateResult> {
    const turn = this.queue.then(() =>
      this.acts.integrate({ git: this.git, boardId: this.board.id, taskId: task.id, branch, taskSha }),
    );
    this.queue = turn.catch(() => undefined);
    const result = await turn;
    this.integration = { ...this.info, integrationHead: result.head };
    return result;
  }

  /** Removes the worktree (its pool slot returns to the pool) or keeps it; returns the kept path. */
  private async release(
    task: TaskSpec,
    request: PrepareWorktreeInput,
    worktree: PreparedWorktree | undefined,
    keep: boolean,
  ): Promise<string | undefined> {
    if (!worktree) {
      if (request.poolSlot !== undefined) this.freeSlots.push(request.poolSlot);
      return undefined;
    }
    await CancellationScope.nonCancellable(() =>
      this.acts.releaseWorktree({
        git: this.git,
        boardId: this.board.id,
        taskId: task.id,
        path: worktree.path,
        branch: worktree.branch,
        ...(request.poolSlot !== undefined ? { poolSlot: request.poolSlot } : {}),
        remove: !keep,
      }),
    );
    // A kept worktree retires its pool slot: the pool never hands out a folder someone is inspecting.
    if (request.poolSlot !== undefined && !keep) {
      this.freeSlots.push(request.poolSlot);
      this.freeSlots.sort((a, b) => a - b);
    }
    return keep ? worktree.path : undefined;
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
