/**
 * Where every run of a task ends: the scheduler learns how, the webhooks hear of a failure, and a
 * review's verdict either lets the board go on or sends the reviewed work back for another round.
 */
import { DEFAULT_REVIEW_ROUNDS, type TaskSpec } from '../src/core/board.js';
import { reviewChanges } from '../src/core/notification.js';
import type { TaskOutcome } from '../src/core/outcome.js';
import type { BoardRun } from './board-run.js';
import type { TaskEnd } from './worktree-flow.js';

export function conclude(run: BoardRun, task: TaskSpec, end: TaskEnd): void {
  const now = Date.now();
  if (end.state === 'succeeded' && task.reviews) {
    if (end.outcome.verdict?.verdict === 'changes') return sendBack(run, task, end.outcome, now);
    const round = run.scheduler.statusOf(task.id)?.round ?? 1;
    run.record('review', `review ${task.id} (round ${round}): approved ${task.reviews.join(', ')}`, undefined);
  }
  if (end.state === 'succeeded') {
    run.scheduler.succeed(task.id, end.outcome, now);
    return;
  }
  run.scheduler.fail(task.id, end.state, end.outcome, now);
  run.announceEnd(task.id);
}

/**
 * The review asked for changes: the reviewed tasks run again with its comment and the review runs
 * once more, unless it is out of rounds (it fails with its last comment), or the board can no longer
 * start work (cancelling, budget spent).
 */
function sendBack(run: BoardRun, task: TaskSpec, outcome: TaskOutcome, now: number): void {
  const round = run.scheduler.statusOf(task.id)?.round ?? 1;
  const maxRounds = task.maxRounds ?? DEFAULT_REVIEW_ROUNDS;
  const comment = outcome.verdict?.comment ?? '(the review gave no comment)';
  const reviewed = task.reviews!;
  const cannot =
    round >= maxRounds
      ? `still asks for changes after ${round} round${round === 1 ? '' : 's'} (maxRounds ${maxRounds})`
      : !run.accepting
        ? 'asks for changes, but the board is ending'
        : run.budgetExhausted
          ? `asks for changes, but the budget is exhausted (${run.budgetExhausted})`
          : undefined;
  if (cannot) {
    run.record('review', `review ${task.id} (round ${round}): changes to ${reviewed.join(', ')}; ${cannot}`, undefined);
    run.scheduler.fail(task.id, 'failed', { ...outcome, reason: `the review ${cannot}: ${comment}` }, now);
    run.announceEnd(task.id);
    return;
  }
  const sent = run.scheduler.requestChanges(task.id, reviewed, outcome, comment, now);
  run.record('review', `review ${task.id} (round ${round}): changes to ${sent.join(', ')}`, undefined);
  run.notify(reviewChanges(run.facts(), now, { id: task.id, round, maxRounds, sentBack: sent, comment }));
}
