/**
 * Sweeps what finished boards left behind: worktrees whose task was integrated but not yet removed
 * when a crash struck, idle pool slots, and registrations of worktrees whose folders are gone.
 * Worktrees kept for inspection (failed or conflicted tasks) stay until `todone clean`. Boards still
 * running are not touched, and a board whose repository no longer exists is forgotten: there is
 * nothing left to sweep, and nothing worth saying about it.
 *
 * Run by a worker at its start (`todone worker`; `todone run`'s own worker in the background) and
 * by `todone clean --finished`.
 */
import fs from 'node:fs/promises';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { forgetBoardRepo, knownBoardRepos } from '../activities/git/board-registry.js';
import { cleanBoard, sweepOrphans } from '../activities/git/cleanup.js';
import { GitCommandError } from '../activities/git/errors.js';
import { commonDirOf, openGit } from '../activities/git/git.js';
import { boardWorkflowId } from '../workflows/api.js';
import type { BoardResult } from '../src/core/run-state.js';

export interface SweepReport {
  /** Finished boards whose worktrees were looked at. */
  boards: number;
  removedWorktrees: number;
  /** Boards forgotten because their repository no longer exists. */
  forgotten: number;
}

export interface SweepOptions {
  home: string;
  client: Client;
  /** Where to say that a board's sweep failed; unset, failures are passed over in silence. */
  log?: (line: string) => void;
}

export async function sweepFinishedBoards(options: SweepOptions): Promise<SweepReport> {
  const report: SweepReport = { boards: 0, removedWorktrees: 0, forgotten: 0 };
  for (const { boardId, git } of await knownBoardRepos(options.home)) {
    try {
      if (await repositoryGone(git.repo)) {
        await forgetBoardRepo(options.home, boardId);
        report.forgotten++;
        continue;
      }
      const handle = options.client.workflow.getHandle(boardWorkflowId(boardId));
      const description = await handle.describe().catch((error: unknown) => {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      });
      if (description?.status.name === 'RUNNING') continue;
      const result = description?.status.name === 'COMPLETED' ? ((await handle.result()) as BoardResult) : undefined;
      // Without a result we cannot tell which worktrees someone may want to inspect: keep them all.
      if (result) {
        const kept = keptWorktrees(result);
        const cleaned = await cleanBoard({ git, boardId, all: false, except: kept });
        report.removedWorktrees += cleaned.removedWorktrees.length;
        if (kept.length === 0) await forgetBoardRepo(options.home, boardId);
      }
      report.removedWorktrees += (await sweepOrphans({ repo: git.repo })).removed.length;
      report.boards++;
    } catch (error) {
      // One board's trouble must not stop the others' sweep, nor the worker from starting.
      options.log?.(
        `todone: could not sweep the worktrees of board "${boardId}": ${error instanceof Error ? error.message : String(error)}\n`,
      );
    }
  }
  return report;
}

/** Worktrees the board kept for inspection: failed or conflicted tasks', and failed candidates'. */
export function keptWorktrees(result: BoardResult): string[] {
  const paths = result.tasks.flatMap((t) => [t.worktree, ...(t.candidates ?? []).map((c) => c.worktree)]);
  return [...new Set(paths.filter((p): p is string => p !== undefined))];
}

/** The folder is gone, or is no git repository any more (its `.git` was deleted). */
async function repositoryGone(repo: string): Promise<boolean> {
  try {
    await fs.access(repo);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
  return commonDirOf(openGit(repo)).then(
    () => false,
    // Only git's own verdict: any other failure (a missing git, an ownership check) is worth a warning.
    (error: unknown) => error instanceof GitCommandError && /not a git repository/i.test(error.stderr),
  );
}
