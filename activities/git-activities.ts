/**
 * The git layer as Temporal activities. Each is idempotent (see activities/git/): Temporal may run
 * any of them again after a crash, and the repository ends up as if it had run once.
 * Bad repository settings become non-retryable failures.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { rememberBoardRepo } from './git/board-registry.js';
import { commitWork } from './git/commit.js';
import { GitConfigError } from './git/errors.js';
import { initIntegration, integrate } from './git/integration.js';
import { prepareWorktree, releaseWorktree } from './git/worktree.js';
import { FAILURE_TYPES } from './types.js';

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
      throw error;
    } finally {
      clearInterval(ticker);
    }
  };
}

export function createGitActivities({ home }: { home: string }) {
  return {
    initIntegration: asActivity(async (input: Parameters<typeof initIntegration>[0]) => {
      await rememberBoardRepo(home, input.boardId, input.git);
      return initIntegration(input);
    }),
    prepareWorktree: asActivity(prepareWorktree),
    commitWork: asActivity(commitWork),
    integrate: asActivity(integrate),
    releaseWorktree: asActivity(releaseWorktree),
  };
}
