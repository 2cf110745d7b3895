/**
 * A task on a git board, from worktree to integration branch. One pipeline for every task: a
 * task is a round of candidates (one, or N for best of N), each of which leases a worktree, runs
 * the agent and its checks there and commits; the rule's pick is merged through the queue, the
 * rest are discarded. A conflict ends the task, or with `onConflict: retry` starts a new round
 * from the integration head, told what conflicted.
 */
import { ActivityFailure, CancellationScope, isCancellation } from '@temporalio/workflow';
import type { CommitResult, IntegrateResult } from '../activities/git/types.js';
import type { RunTaskInput } from '../activities/types.js';
import type { AgentSpec, TaskSpec } from '../src/core/board.js';
import {
  accumulate,
  totalSpend,
  type CandidateStatus,
  type Spend,
  type TaskCommit,
  type TaskOutcome,
} from '../src/core/outcome.js';
import { addUsage, type Usage } from '../src/core/usage.js';
import { taskActivities } from './activity-options.js';
import { failureOutcome, successOutcome } from './failures.js';
import { taskCommit, type Lease, type TaskEnd, type WorktreeFlow } from './worktree-flow.js';

export interface GitTaskContext {
  flow: WorktreeFlow;
  /** The task's scope: cancelling it stops its agents; commits and merges under way finish. */
  scope: CancellationScope;
  cancelReason: () => string | undefined;
  makeInput: (workdir: string, taskSpent: Usage | undefined) => RunTaskInput;
  /**
   * The task's approval gate comes after its work: the chosen commit stays on its branch, its
   * worktree goes, and nothing is integrated (that waits for the approval: integrateApproved).
   */
  hold?: boolean;
  /** A task sent back: the commit it starts from and its branch (else the integration head), what conflicted last time. */
  start?: { sha?: string; branch?: string; conflictFiles?: string[] };
  /** What its earlier runs spent (a task sent back): its own budget counts it. */
  spentBefore?: Usage;
}

/** One try at the task in its own worktree: the task itself, or one candidate of best of N. */
interface Candidate {
  id: string;
  agent: AgentSpec;
}

interface Tried {
  candidate: Candidate;
  lease: Lease;
  outcome: TaskOutcome;
  /** Present when the agent and its checks passed. */
  commit?: CommitResult;
  cancelled: boolean;
  /** Order in which passing candidates finished. */
  finishedAs?: number;
  /** The worktree kept for inspection after it failed. */
  kept?: string;
}

export async function runGitTask(task: TaskSpec, ctx: GitTaskContext): Promise<TaskEnd> {
  const { flow } = ctx;
  const pickRule = task.candidates?.pick ?? 'first';
  const candidates = candidatesOf(task);
  // A task sent back starts on its own earlier work: its kept commit, or (reviewed, or conflicted
  // after approval) the integration head, which holds that work and everything integrated since.
  let startSha = ctx.start ? (ctx.start.sha ?? flow.status().head) : flow.startShaFor(task);
  let startBranch = ctx.start?.sha !== undefined ? ctx.start.branch : undefined;
  let conflictsLeft = flow.git.onConflict === 'retry' ? flow.git.conflictRetries : 0;
  let conflictFiles: string[] | undefined = ctx.start?.conflictFiles;
  let earlier: Spend | undefined;

  for (;;) {
    const round = await tryCandidates(
      task,
      candidates,
      { sha: startSha, ...(startBranch !== undefined ? { branch: startBranch } : {}) },
      conflictFiles,
      addUsage(ctx.spentBefore, earlier?.usage),
      pickRule,
      ctx,
    );
    const spend = accumulate(earlier, totalSpend(round.map((t) => t.outcome)));
    const chosen = pick(round, pickRule);
    const described = (kept?: string) =>
      task.candidates ? { candidates: round.map((t) => describe(t, t === chosen, kept)) } : {};

    if (!chosen) {
      await Promise.all(
        round.map(async (t) => (t.kept = await flow.release(t.lease, !t.cancelled && flow.git.keepFailedWorktrees))),
      );
      return noneChosen(task, round, spend, ctx.cancelReason(), described());
    }

    const branch = chosen.lease.worktree!.branch;
    // What the chosen candidate produced, with what every candidate and round spent.
    const produced: TaskOutcome = {
      ...successOutcome(chosen.outcome),
      ...spend,
      commit: taskCommit(chosen.commit!, branch),
    };
    const others = round.filter((t) => t !== chosen);
    if (ctx.hold) {
      // Nothing a worker's disk holds is needed while a person decides: the commit is on its branch.
      await Promise.all([flow.release(chosen.lease, false, true), ...others.map((t) => flow.release(t.lease, false))]);
      return { state: 'succeeded', outcome: { ...produced, ...described() } };
    }
    let merged: IntegrateResult & { before: string };
    try {
      merged = await flow.integrate(task.id, branch, chosen.commit!.sha);
    } catch (error) {
      // The merge step failed for good (a repository problem no retry fixes): the task fails, the board goes on.
      const [kept] = await Promise.all([
        flow.release(chosen.lease, flow.git.keepFailedWorktrees),
        ...others.map((t) => flow.release(t.lease, false)),
      ]);
      return {
        state: 'failed',
        outcome: {
          ...produced,
          reason: `could not integrate: ${causeMessage(error)}`,
          ...(kept ? { worktree: kept } : {}),
          ...described(kept),
        },
      };
    }
    if (merged.kind !== 'conflicted') {
      await Promise.all([flow.release(chosen.lease, false), ...others.map((t) => flow.release(t.lease, false))]);
      return { state: 'succeeded', outcome: { ...withIntegrated(produced, merged), ...described() } };
    }

    const keep = conflictsLeft === 0 && flow.git.keepFailedWorktrees;
    const [kept] = await Promise.all([
      flow.release(chosen.lease, keep),
      ...others.map((t) => flow.release(t.lease, false)),
    ]);
    if (conflictsLeft > 0) {
      conflictsLeft--;
      conflictFiles = merged.files;
      startSha = flow.status().head;
      startBranch = undefined;
      earlier = produced;
      continue;
    }
    return {
      state: 'conflicted',
      outcome: {
        ...produced,
        conflictFiles: merged.files,
        reason: conflictReason(merged.files),
        ...(kept ? { worktree: kept } : {}),
        ...described(kept),
      },
    };
  }
}

/**
 * Integrates work a person approved (its commit waited on its branch): through the merge queue, and
 * then its branch goes. A conflict keeps the branch for inspection when the board keeps failed work.
 */
export async function integrateApproved(
  flow: WorktreeFlow,
  task: TaskSpec,
  commit: TaskCommit,
): Promise<
  { kind: 'merged'; commit: TaskCommit } | { kind: 'conflicted'; files: string[] } | { kind: 'failed'; reason: string }
> {
  let merged: IntegrateResult & { before: string };
  try {
    merged = await flow.integrate(task.id, commit.branch, commit.sha);
  } catch (error) {
    return { kind: 'failed', reason: `could not integrate: ${causeMessage(error)}` };
  }
  if (merged.kind === 'conflicted') {
    if (!flow.git.keepFailedWorktrees) await flow.dropBranch(commit.branch);
    return { kind: 'conflicted', files: merged.files };
  }
  await flow.dropBranch(commit.branch);
  return { kind: 'merged', commit: withIntegrated({ attempts: 0, commit }, merged).commit! };
}

/** Where the integration branch was before and after the task's commit came in (a review reads the diff). */
function withIntegrated(outcome: TaskOutcome, merged: IntegrateResult & { before: string }): TaskOutcome {
  if (merged.kind !== 'merged' || !outcome.commit) return outcome;
  return { ...outcome, commit: { ...outcome.commit, integrated: { from: merged.before, to: merged.head } } };
}

export function conflictReason(files: string[]): string {
  const shown = files.slice(0, 5).join(', ');
  return `merge conflict in ${files.length} file${files.length === 1 ? '' : 's'}: ${shown}${files.length > 5 ? ', …' : ''}`;
}

function candidatesOf(task: TaskSpec): Candidate[] {
  const spec = task.candidates;
  if (!spec) return [{ id: task.id, agent: task.agent }];
  return Array.from({ length: spec.count }, (_, i) => ({
    id: `${task.id}.c${i + 1}`,
    agent: spec.agents[i] ?? task.agent,
  }));
}

/** Runs every candidate side by side; with `first`, the first to pass stops the others. */
async function tryCandidates(
  task: TaskSpec,
  candidates: Candidate[],
  start: { sha: string; branch?: string },
  conflictFiles: string[] | undefined,
  spentBefore: Usage | undefined,
  pickRule: 'first' | 'smallest' | 'vote',
  ctx: GitTaskContext,
): Promise<Tried[]> {
  const scopes = candidates.map(() => new CancellationScope({ cancellable: true, parent: ctx.scope }));
  let passed = 0;
  return Promise.all(
    candidates.map(async (candidate, i): Promise<Tried> => {
      const tried = await tryOne(task, candidate, start, conflictFiles, spentBefore, scopes[i]!, ctx);
      if (tried.commit) {
        tried.finishedAs = passed++;
        // First to pass wins outright: the others stop spending.
        if (pickRule === 'first' && tried.finishedAs === 0) {
          for (const [j, scope] of scopes.entries()) if (j !== i) scope.cancel();
        }
      }
      return tried;
    }),
  );
}

/**
 * Times a candidate may lose the worker holding its worktree (a remote board) and start over on
 * another, before the task fails: enough for a worker or two dying, not a loop on a broken fleet.
 */
const MAX_LOST_WORKERS = 3;

/**
 * Lease a worktree, run the agent and its checks there, commit what it changed. On a remote board
 * the worker holding the worktree may die before the commit is pushed: the work there is lost, so
 * the candidate starts again from prepare on whichever worker takes it.
 */
async function tryOne(
  task: TaskSpec,
  candidate: Candidate,
  start: { sha: string; branch?: string },
  conflictFiles: string[] | undefined,
  spentBefore: Usage | undefined,
  scope: CancellationScope,
  ctx: GitTaskContext,
): Promise<Tried> {
  const asTask: TaskSpec = { ...task, id: candidate.id, agent: candidate.agent };
  const lostWorkers: string[] = [];
  // What the runs on lost workers spent (from their last heartbeats): budgets and the status count it.
  let lostSpend: Spend | undefined;
  for (;;) {
    const lease = ctx.flow.lease(candidate.id, start.sha, task.requires, start.branch);
    // Set once the agent's run finished: a worker lost after it (at the commit) still cost that run.
    let ran: TaskOutcome | undefined;
    try {
      const worktree = await ctx.flow.prepare(lease, scope);
      const spent = lostSpend?.usage ? addUsage(spentBefore, lostSpend.usage) : spentBefore;
      const input = ctx.makeInput(worktree.path, spent);
      ran = await scope.run(() =>
        taskActivities(asTask, ctx.flow.route(lease)).runTask({
          ...input,
          taskId: candidate.id,
          agent: candidate.agent,
          worktree: ctx.flow.taskWorktree(lease),
          ...(conflictFiles ? { env: { ...input.env, TODONE_CONFLICT_FILES: conflictFiles.join('\n') } } : {}),
        }),
      );
      const commit = await ctx.flow.commit(lease, task.description);
      return { candidate, lease, outcome: accumulate(lostSpend, ran), commit, cancelled: false };
    } catch (error) {
      const cancelled = isCancellation(error);
      const lost = cancelled ? undefined : ctx.flow.lostWorker(lease, error);
      const outcome = accumulate(lostSpend, failureOutcome(error, asTask, cancelled ? ctx.cancelReason() : undefined));
      if (lost === undefined) return { candidate, lease, outcome, cancelled };
      ctx.flow.abandon(lease);
      lostWorkers.push(lost);
      if (lostWorkers.length > MAX_LOST_WORKERS)
        return { candidate, lease, outcome: { ...outcome, reason: lostReason(lostWorkers) }, cancelled: false };
      // The attempts it cost: the finished run's own account when the worker was lost at the commit,
      // else the runs its heartbeats listed (a step lost before the agent ran cost none).
      const { runs, usage } = ran ?? failureOutcome(error, asTask, undefined);
      lostSpend = accumulate(lostSpend, {
        attempts: ran?.attempts ?? runs?.length ?? 0,
        ...(usage ? { usage } : {}),
        ...(runs ? { runs } : {}),
      });
    }
  }
}

function lostReason(workers: string[]): string {
  return (
    `lost the worker holding its worktree ${workers.length} times (${[...new Set(workers)].join(', ')}): ` +
    `each stopped answering before the task's commit was pushed`
  );
}

/** No candidate passed: the task failed, or was cancelled. */
function noneChosen(
  task: TaskSpec,
  round: Tried[],
  spend: Spend,
  cancelReason: string | undefined,
  described: { candidates?: CandidateStatus[] },
): TaskEnd {
  const cancelled = round.every((t) => t.cancelled) || cancelReason !== undefined;
  const state = cancelled ? 'cancelled' : 'failed';
  const kept = round.find((t) => t.kept)?.kept;
  if (!task.candidates) {
    const only = round[0]!;
    return { state, outcome: { ...only.outcome, ...spend, ...(kept ? { worktree: kept } : {}) } };
  }
  const reasons = round.map((t) => `${t.candidate.id}: ${t.outcome.reason ?? 'did not finish'}`).join('; ');
  return {
    state,
    outcome: {
      ...spend,
      reason: cancelled ? (cancelReason ?? 'cancelled') : `no candidate passed (${reasons})`,
      ...(kept ? { worktree: kept } : {}),
      ...described,
    },
  };
}

/** The message of what failed an activity (its cause), not the SDK's 'Activity task failed'. */
function causeMessage(error: unknown): string {
  const cause = error instanceof ActivityFailure && error.cause ? error.cause : error;
  return cause instanceof Error ? cause.message : String(cause);
}

function changedLines(t: Tried): number {
  return (t.commit?.insertions ?? 0) + (t.commit?.deletions ?? 0);
}

/** The rule's pick among candidates that passed; undefined when none did. */
function pick(round: Tried[], rule: 'first' | 'smallest' | 'vote'): Tried | undefined {
  const passing = round.filter((t) => t.commit).sort((a, b) => a.finishedAs! - b.finishedAs!);
  if (passing.length === 0 || rule === 'first') return passing[0];
  const smallestFirst = [...passing].sort((a, b) => changedLines(a) - changedLines(b) || a.finishedAs! - b.finishedAs!);
  if (rule === 'smallest') return smallestFirst[0];
  // Majority voting: the result most candidates arrived at independently (same tree), ties to the smaller change.
  const result = (t: Tried) => t.commit!.tree ?? t.commit!.sha;
  const votes = new Map<string, number>();
  for (const t of passing) votes.set(result(t), (votes.get(result(t)) ?? 0) + 1);
  const most = Math.max(...votes.values());
  return smallestFirst.find((t) => votes.get(result(t)) === most);
}

function describe(t: Tried, chosen: boolean, keptChosen: string | undefined): CandidateStatus {
  const kept = chosen ? keptChosen : t.kept;
  return {
    id: t.candidate.id,
    agent: t.candidate.agent.kind,
    state: chosen ? 'chosen' : t.commit ? 'discarded' : t.cancelled ? 'cancelled' : 'failed',
    ...(t.commit ? { changedLines: changedLines(t) } : {}),
    ...(t.outcome.usage ? { usage: t.outcome.usage } : {}),
    ...(t.outcome.reason ? { reason: t.outcome.reason } : {}),
    ...(kept ? { worktree: kept } : {}),
  };
}
