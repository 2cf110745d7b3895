/**
 * At start-up a worker sweeps what finished boards left behind: worktrees whose task was
 * integrated but not yet removed when a crash struck, idle pool slots, and registrations of
 * worktrees whose folders are gone. Worktrees kept for inspection (failed or conflicted tasks)
 * stay until `todone clean`. Boards still running are not touched.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { forgetBoardRepo, knownBoardRepos } from '../activities/git/board-registry.js';
import { cleanBoard, sweepOrphans } from '../activities/git/cleanup.js';
import { boardWorkflowId } from '../src/core/board.js';
import type { BoardResult } from '../src/core/run-state.js';

export interface SweepReport {
  boards: number;
  removedWorktrees: number;
}

export async function sweepFinishedBoards(options: { home: string; client: Client; log?: (line: string) => void }): Promise<SweepReport> {
  const report: SweepReport = { boards: 0, removedWorktrees: 0 };
  for (const { boardId, git } of await knownBoardRepos(options.home)) {
    try {
      const handle = options.client.workflow.getHandle(boardWorkflowId(boardId));
      const description = await handle.describe().catch((error: unknown) => {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      });
      if (description?.status.name === 'RUNNING') continue;
      const result = description?.status.name === 'COMPLETED' ? ((await handle.result()) as BoardResult) : undefined;
      // Without a result we cannot tell which worktrees someone may want to inspect: keep them all.
      if (result) {
        const kept = result.tasks.map((t) => t.worktree).filter((p): p is string => p !== undefined);
        const cleaned = await cleanBoard({ git, boardId, all: false, except: kept });
        report.removedWorktrees += cleaned.removedWorktrees.length;
        if (kept.length === 0) await forgetBoardRepo(options.home, boardId);
      }
      report.removedWorktrees += (await sweepOrphans({ repo: git.repo })).removed.length;
      report.boards++;
    } catch (error) {
      // A repository that moved or vanished must not stop the worker from starting.
      options.log?.(`todone: could not sweep the worktrees of board "${boardId}": ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
  return report;
}
