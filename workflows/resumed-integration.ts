/**
 * A resumed git board whose integrated work changed (a task that had been merged runs again, or
 * left the board) cannot keep the integration branch its last run left: the old work would stay
 * under the new. The branch is built again from base with the kept tasks' commits instead.
 */
import { patched } from '@temporalio/workflow';
import type { ReplayCommit } from '../activities/git/types.js';
import type { BoardSpec } from '../src/core/board.js';
import { integrationRebuild, type ResumePlan } from '../src/core/resume.js';
import type { BoardWorkflowInput } from './api.js';

/**
 * The kept commits to rebuild the integration branch with, or undefined to take it up as it is.
 * Boards resumed before this existed kept the branch whatever changed; their histories replay so.
 */
export function integrationToRebuild(
  board: Pick<BoardSpec, 'tasks'>,
  input: Pick<BoardWorkflowInput, 'carried' | 'fresh' | 'resume'>,
  plan: ResumePlan,
): ReplayCommit[] | undefined {
  if (input.carried || input.fresh || !input.resume) return undefined;
  const rebuild = integrationRebuild(board, input.resume.tasks, plan);
  return rebuild && patched('resume-rebuilds-integration') ? rebuild : undefined;
}
