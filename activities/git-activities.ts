/**
 * The git layer as Temporal activities. Each is idempotent (see activities/git/): Temporal may run
 * any of them again after a crash, and the repository ends up as if it had run once.
 * Bad repository settings become non-retryable failures.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { rememberBoardRepo } from './git/board-registry.js';
import { commitWork } from './git/commit.js';
import { GitConfigError, WorktreeGoneError } from './git/errors.js';
import { initIntegration, integrate } from './git/integration.js';
import {
  commitRemoteWork,
  initRemoteIntegration,
  integrateRemote,
  isRemote,
  prepareRemoteWorktree,
  releaseRemoteWorktree,
} from './git/remote.js';
import type { CommitInput, IntegrateInput, PrepareWorktreeInput, ReleaseWorktreeInput } from './git/types.js';
import { prepareWorktree, releaseWorktree } from './git/worktree.js';
import { FAILURE_TYPES } from '../workflows/api.js';

/**
 * Heartbeats while git works (a checkout of a large repository takes a while), so a worker that
 * died mid-step is noticed after the heartbeat timeout instead of the 30-minute limit; and turns
 * repository misconfiguration into a failure that is not retried.
 */
function asActivity<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    const ctx = Context.current();
    const ticker = setInterval(() => ctx.heartbeat(), 1_000);
    try {
      return await fn(...args);
    } catch (error) {
      if (error instanceof GitConfigError) {
        throw ApplicationFailure.create({ type: FAILURE_TYPES.gitConfig, message: error.message, nonRetryable: true });
      }
      if (error instanceof WorktreeGoneError) {
        throw ApplicationFailure.create({
          type: FAILURE_TYPES.worktreeGone,
          message: error.message,
          nonRetryable: true,
        });
      }
      throw error;
    } finally {
      clearInterval(ticker);
    }
  };
}

export interface GitActivityDeps {
  home: string;
  /** This worker's own task queue: a remote board's worktree steps come back to it. */
  ownQueue?: string;
}

/** A board with a remote works in this worker's clone of it (remote.ts); others in the repository they name. */
export function createGitActivities({ home, ownQueue }: GitActivityDeps) {
  return {
    initIntegration: asActivity(async (input: Parameters<typeof initIntegration>[0]) => {
      if (isRemote(input.git)) return initRemoteIntegration(home, input);
      await rememberBoardRepo(home, input.boardId, input.git);
      return initIntegration(input);
    }),
    prepareWorktree: asActivity(async (input: PrepareWorktreeInput) =>
      isRemote(input.git) ? prepareRemoteWorktree(home, ownQueue, input) : prepareWorktree(input),
    ),
    commitWork: asActivity(async (input: CommitInput) =>
      isRemote(input.git) ? commitRemoteWork(home, input) : commitWork(input),
    ),
    integrate: asActivity(async (input: IntegrateInput) =>
      isRemote(input.git) ? integrateRemote(home, input) : integrate(input),
    ),
    releaseWorktree: asActivity(async (input: ReleaseWorktreeInput) =>
      isRemote(input.git) ? releaseRemoteWorktree(home, input) : releaseWorktree(input),
    ),
  };
}
