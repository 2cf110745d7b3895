/**
 * An agent that exits 0 and says "done" has not necessarily done anything. Before its checks run,
 * an attempt is rejected when the agent's own output shows edits or commands that failed or were
 * refused, or, for a task expected to change files (`expectChanges`, git boards), when its worktree
 * holds no change at all. Either is a retryable failure whose reason the next prompt repeats.
 */
import { worktreeHasWork } from '../git/changes.js';
import type { RunTaskInput } from '../types.js';
import type { AgentReport } from './types.js';

export const NO_CHANGE = 'the agent reported success but changed nothing';

/** Why the attempt's work did not happen, or undefined when it did (as far as can be told). */
export async function unfinishedWork(
  input: Pick<RunTaskInput, 'expectChanges' | 'worktree' | 'workdir'>,
  report: AgentReport,
): Promise<string | undefined> {
  if (report.unfinished) return report.unfinished;
  if (!input.expectChanges || !input.worktree) return undefined;
  const changed = await worktreeHasWork({
    git: input.worktree.git,
    path: input.workdir,
    startSha: input.worktree.startSha,
  });
  return changed ? undefined : NO_CHANGE;
}
