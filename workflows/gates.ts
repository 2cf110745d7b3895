/**
 * Approval gates, workflow side. A task waiting at its gate (state `awaiting-approval`) holds no
 * slot and no worktree; a person's decision arrives as an update (handlers.ts) and is applied at
 * once, here, and its gate's deadline is a durable timer that decides by the gate's `onTimeout`.
 * Work a person approved after it was done is then integrated (git boards: its commit waited on its
 * branch) and the task ends as any task does (task-end.ts).
 */
import { condition } from '@temporalio/workflow';
import type { TaskSpec } from '../src/core/board.js';
import { formatDuration } from '../src/core/duration.js';
import type { TaskOutcome } from '../src/core/outcome.js';
import type { ApprovalWait, TaskState, TaskStatus } from '../src/core/run-state.js';
import type { BoardRun } from './board-run.js';
import { conflictReason, integrateApproved } from './git-task.js';
import { conclude } from './task-end.js';

export interface Decision {
  /** `user@host` of the person; absent when the deadline decided. */
  by?: string;
  comment?: string;
  timedOut?: boolean;
}

/**
 * Waits for the decision on a task at its gate (bounded by the gate's deadline, if it has one),
 * then, for work approved after it was done, integrates it. Never rejects: a step that fails for
 * good fails the task.
 */
export async function awaitGate(run: BoardRun, task: TaskSpec): Promise<void> {
  const id = task.id;
  const wait = run.scheduler.statusOf(id)?.approval;
  if (!wait) return;
  const waiting = () => run.scheduler.statusOf(id)?.state === 'awaiting-approval';
  if (wait.deadline === undefined) await condition(() => !waiting());
  else if (!(await condition(() => !waiting(), Math.max(1, wait.deadline - Date.now()))) && waiting())
    timedOut(run, task, wait);
  if (wait.gate !== 'after' || run.scheduler.statusOf(id)?.state !== 'running') return;
  try {
    await finishApproved(run, task);
  } catch (error) {
    // As in runOne: a step that failed for good must fail the task, not every workflow task after it.
    if (run.scheduler.statusOf(id)?.state !== 'running') throw error;
    const message = error instanceof Error ? error.message : String(error);
    run.scheduler.fail(
      id,
      'failed',
      { attempts: 0, reason: `a step of the task failed for good: ${message}` },
      Date.now(),
    );
    run.announceEnd(id);
  } finally {
    run.wake();
  }
}

/** A person approved: a task waiting to start becomes ready; work waiting to be integrated goes in. */
export function approveTask(run: BoardRun, taskId: string, decision: Decision): TaskState {
  run.scheduler.approve(taskId, Date.now(), said(decision));
  run.record('approve', `approve ${taskId}${how(decision)}`, decision.by);
  return run.scheduler.statusOf(taskId)!.state;
}

/**
 * A person rejected: the task's work goes back to it with the comment (a new run on top of it), or
 * with `final` (or at a gate before its start, where there is no work to send back) it fails.
 */
export function rejectTask(run: BoardRun, taskId: string, decision: Decision & { final?: boolean }): TaskState {
  const gate = run.scheduler.statusOf(taskId)?.approval?.gate;
  const final = decision.final === true || gate === 'before';
  const who = decision.by ? `rejected by ${decision.by}` : decision.timedOut ? 'no decision in time' : 'rejected';
  const comment = decision.comment ?? '';
  run.scheduler.reject(
    taskId,
    Date.now(),
    { ...said(decision), ...(final ? { final: true } : {}), reason: `${who}${comment ? `: ${comment}` : ''}` },
    final ? undefined : { from: who, comment },
  );
  run.record('reject', `reject ${taskId}${final ? ' for good' : ''}${how(decision)}`, decision.by);
  if (final) run.announceEnd(taskId);
  return run.scheduler.statusOf(taskId)!.state;
}

/** The gate's deadline passed with nobody deciding: its `onTimeout` decides. */
function timedOut(run: BoardRun, task: TaskSpec, wait: ApprovalWait): void {
  const after = formatDuration(task.approval?.timeoutMs ?? (wait.deadline ?? wait.since) - wait.since);
  const comment = `no decision within ${after} (onTimeout: ${wait.onTimeout ?? 'fail'})`;
  if (wait.onTimeout === 'approve') approveTask(run, task.id, { comment, timedOut: true });
  else rejectTask(run, task.id, { comment, timedOut: true, final: wait.onTimeout !== 'reject' });
}

/** Approved work goes in: integrated on a git board (its commit waited on its branch), as it is elsewhere. */
async function finishApproved(run: BoardRun, task: TaskSpec): Promise<void> {
  const status = run.scheduler.statusOf(task.id)!;
  const outcome = outcomeOf(status);
  if (!run.worktrees || !status.commit) return conclude(run, task, { state: 'succeeded', outcome });
  const merged = await integrateApproved(run.worktrees, task, status.commit);
  if (merged.kind === 'merged')
    return conclude(run, task, { state: 'succeeded', outcome: { ...outcome, commit: merged.commit } });
  if (merged.kind === 'failed')
    return conclude(run, task, { state: 'failed', outcome: { ...outcome, reason: merged.reason } });
  const { git } = run.worktrees;
  if (git.onConflict === 'retry' && (status.conflicts ?? 0) < git.conflictRetries) {
    // Again from the integration head, told what conflicted; the new work waits for approval again.
    run.scheduler.reworkAfterConflict(task.id, outcome, merged.files);
    return;
  }
  conclude(run, task, {
    state: 'conflicted',
    outcome: { ...outcome, conflictFiles: merged.files, reason: conflictReason(merged.files) },
  });
}

/** What the task produced, as its status holds it, without what only a status has. */
function outcomeOf(status: TaskStatus): TaskOutcome {
  const {
    id: _id,
    state: _state,
    startedAt: _startedAt,
    endedAt: _endedAt,
    definition: _definition,
    kept: _kept,
    requires: _requires,
    approval: _approval,
    cleared: _cleared,
    rework: _rework,
    ...outcome
  } = status;
  return outcome;
}

function said(decision: Decision): { by?: string; comment?: string; timedOut?: boolean } {
  return {
    ...(decision.by ? { by: decision.by } : {}),
    ...(decision.comment ? { comment: decision.comment } : {}),
    ...(decision.timedOut ? { timedOut: true } : {}),
  };
}

/** The change log's words for a decision: its comment's first line, cut short (the whole is in the task's decisions). */
function how(decision: Decision): string {
  const line = (decision.comment ?? '').replace(/\s+/g, ' ').trim();
  if (!line) return '';
  return `: ${line.length > 120 ? `${line.slice(0, 119)}…` : line}`;
}
