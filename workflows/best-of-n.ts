/**
 * Best of N: a task's candidates run side by side, each in its own worktree and branch
 * (`<task>.c1`, `<task>.c2`, …), each validated by its own attempt; one result is kept by the
 * task's rule and goes through the merge queue, the others are discarded and reported.
 */
import { CancellationScope, isCancellation } from '@temporalio/workflow';
import type { CommitResult, PreparedWorktree } from '../activities/git/types.js';
import type { RunTaskInput, TaskAttemptResult } from '../activities/types.js';
import type { AgentSpec, TaskSpec } from '../src/core/board.js';
import type { CandidateStatus } from '../src/core/run-state.js';
import type { Outcome } from '../src/core/scheduler.js';
import { addUsage, withUsage, type Usage } from '../src/core/usage.js';
import { taskActivities } from './activity-options.js';
import { failureOutcome, successOutcome } from './failures.js';
import { taskCommit, type TaskEnd, type WorktreeFlow } from './worktree-flow.js';

interface Candidate {
  id: string;
  agent: AgentSpec;
  scope: CancellationScope;
  worktree?: PreparedWorktree;
  result?: TaskAttemptResult;
  commit?: CommitResult;
  failure?: Outcome;
  cancelled?: boolean;
  /** Order in which passing candidates finished. */
  finishedAs?: number;
}

export async function runCandidates(
  flow: WorktreeFlow,
  task: TaskSpec,
  scope: CancellationScope,
  cancelReason: () => string | undefined,
  makeInput: (workdir: string, taskSpent: Usage | undefined) => RunTaskInput,
): Promise<TaskEnd> {
  const spec = task.candidates!;
  const startSha = flow.startShaFor(task);
  const candidates: Candidate[] = Array.from({ length: spec.count }, (_, i) => ({
    id: `${task.id}.c${i + 1}`,
    agent: spec.agents[i] ?? task.agent,
    scope: new CancellationScope({ cancellable: true, parent: scope }),
  }));
  let passed = 0;

  const runOne = async (candidate: Candidate): Promise<void> => {
    const request = { git: flow.git, boardId: flow.board.id, taskId: candidate.id, startSha };
    const asTask: TaskSpec = { ...task, id: candidate.id, agent: candidate.agent };
    try {
      candidate.worktree = await candidate.scope.run(() => flow.acts.prepareWorktree(request));
      const workdir = candidate.worktree.path;
      candidate.result = await candidate.scope.run(() =>
        taskActivities(asTask).runTask({ ...makeInput(workdir, undefined), taskId: candidate.id, agent: candidate.agent, worktree: request }),
      );
      const branch = candidate.worktree.branch;
      candidate.commit = await CancellationScope.nonCancellable(() =>
        flow.acts.commitWork({ git: flow.git, boardId: flow.board.id, taskId: candidate.id, description: task.description, path: workdir, branch, startSha }),
      );
      candidate.finishedAs = passed++;
      // First to pass wins outright: the others stop spending.
      if (spec.pick === 'first' && candidate.finishedAs === 0) {
        for (const other of candidates) if (other !== candidate) other.scope.cancel();
      }
    } catch (error) {
      candidate.cancelled = isCancellation(error);
      candidate.failure = failureOutcome(error, asTask, candidate.cancelled ? cancelReason() : undefined);
    }
  };
  await Promise.all(candidates.map(runOne));

  const usage = candidates.reduce<Usage | undefined>((sum, c) => addUsage(sum, c.result?.usage ?? c.failure?.usage), undefined);
  const attempts = candidates.reduce((sum, c) => sum + (c.result?.attempt ?? c.failure?.attempts ?? 0), 0);
  const chosen = pick(candidates, spec.pick);
  const taskCancelled = candidates.every((c) => c.cancelled) || (chosen === undefined && cancelReason() !== undefined);

  let end: TaskEnd;
  if (!chosen) {
    const reasons = candidates.map((c) => `${c.id}: ${c.failure?.reason ?? 'did not finish'}`).join('; ');
    end = {
      state: taskCancelled ? 'cancelled' : 'failed',
      outcome: { attempts, ...withUsage(usage), reason: taskCancelled ? (cancelReason() ?? 'cancelled') : `no candidate passed (${reasons})` },
    };
  } else {
    const merged = await CancellationScope.nonCancellable(() => flow.integrate(task, chosen.worktree!.branch, chosen.commit!.sha));
    const commit = taskCommit(chosen.commit!, chosen.worktree!.branch);
    const base: Outcome = { ...successOutcome(chosen.result!), attempts, commit, ...withUsage(usage) };
    end =
      merged.kind === 'conflicted'
        ? { state: 'conflicted', outcome: { ...base, conflictFiles: merged.files, reason: `merge conflict in ${merged.files.join(', ')}` } }
        : { state: 'succeeded', outcome: base };
  }

  // Every candidate's worktree goes: the kept result is in the integration branch (or reported).
  await CancellationScope.nonCancellable(() =>
    Promise.all(
      candidates
        .filter((c) => c.worktree)
        .map((c) =>
          flow.acts.releaseWorktree({
            git: flow.git,
            boardId: flow.board.id,
            taskId: c.id,
            path: c.worktree!.path,
            branch: c.worktree!.branch,
            remove: true,
          }),
        ),
    ),
  );
  end.outcome.candidates = candidates.map((c) => describe(c, c === chosen));
  return end;
}

function changedLines(c: Candidate): number {
  return (c.commit?.insertions ?? 0) + (c.commit?.deletions ?? 0);
}

/** The rule's pick among candidates that passed; undefined when none did. */
function pick(candidates: Candidate[], rule: 'first' | 'smallest' | 'vote'): Candidate | undefined {
  const passing = candidates.filter((c) => c.commit).sort((a, b) => a.finishedAs! - b.finishedAs!);
  if (passing.length === 0 || rule === 'first') return passing[0];
  const smallestFirst = [...passing].sort((a, b) => changedLines(a) - changedLines(b) || a.finishedAs! - b.finishedAs!);
  if (rule === 'smallest') return smallestFirst[0];
  // The seed's voting: the result most candidates arrived at independently (same tree), ties to the smaller change.
  const votes = new Map<string, number>();
  for (const c of passing) votes.set(c.commit!.tree ?? c.commit!.sha, (votes.get(c.commit!.tree ?? c.commit!.sha) ?? 0) + 1);
  const most = Math.max(...votes.values());
  return smallestFirst.find((c) => votes.get(c.commit!.tree ?? c.commit!.sha) === most);
}

function describe(c: Candidate, chosen: boolean): CandidateStatus {
  return {
    id: c.id,
    agent: c.agent.kind,
    state: chosen ? 'chosen' : c.commit ? 'discarded' : c.cancelled ? 'cancelled' : 'failed',
    ...(c.commit ? { changedLines: changedLines(c) } : {}),
    ...((c.result?.usage ?? c.failure?.usage) ? { usage: (c.result?.usage ?? c.failure?.usage)! } : {}),
    ...(c.failure?.reason ? { reason: c.failure.reason } : {}),
  };
}
