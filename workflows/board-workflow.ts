/**
 * One board, one workflow. The workflow decides (a BoardScheduler from the pure core, inside the
 * run's state: board-run.ts) and the activities do. Each task is one activity whose Temporal retry
 * policy comes from the board; tasks start the moment their dependencies succeed, up to
 * maxParallel at once. In git mode each task also gets a worktree, a commit and a turn in the merge
 * queue (WorktreeFlow). Queries, signals and updates are answered from the first activation on
 * (handlers.ts), before the board is even known (board-opening.ts).
 */
import { continueAsNew, condition, workflowInfo } from '@temporalio/workflow';
import type { BoardResult, BoardState } from '../src/core/run-state.js';
import type { BoardWorkflowInput } from './api.js';
import { BoardOpening } from './board-opening.js';
import { BoardRun } from './board-run.js';
import { publishFinalState } from './final-state-attribute.js';
import { awaitGate } from './gates.js';
import { installHandlers } from './handlers.js';
import { runOne } from './run-one.js';
import { boardFinished } from '../src/core/notification.js';

export type { BoardWorkflowInput } from './api.js';

/**
 * Past this many history events the workflow drains its running tasks and continues as new,
 * long before Temporal's 51,200-event hard limit.
 */
const DEFAULT_CONTINUE_AFTER_EVENTS = 20_000;

export async function boardWorkflow(given: BoardWorkflowInput): Promise<BoardResult> {
  // Any client can start it with anything: an input that is not an object is a board with nothing in it.
  const input: BoardWorkflowInput = typeof given === 'object' && given !== null ? given : {};
  const opening = new BoardOpening(input);
  const handlers = installHandlers(opening);
  const run = new BoardRun(await opening.board(), input);
  handlers.attach(run);

  // A run continued as new may carry a budget already spent.
  run.enforceBudget(false);
  await run.openWorktrees(input);
  // Tasks a run continued as new was waiting on people for go on waiting (their deadlines too).
  for (const id of run.scheduler.awaitingApproval) void awaitGate(run, run.scheduler.task(id)!);

  for (;;) {
    const draining =
      run.state === 'running' && shouldContinueAsNew(input.continueAfterEvents ?? DEFAULT_CONTINUE_AFTER_EVENTS);
    if (!draining && run.state === 'running' && !run.paused) {
      const { started, held } = run.startTasks(Date.now());
      for (const id of started) {
        // runOne never rejects: every outcome, an unexpected failure too, lands in the scheduler and wakes the loop.
        void runOne(run, run.scheduler.task(id)!);
      }
      // Waiting for a person holds no slot; the gate's deadline is a durable timer.
      for (const id of held) void awaitGate(run, run.scheduler.task(id)!);
    }
    // Draining for continue-as-new: tasks waiting for people are carried, deliveries under way are not.
    if (run.scheduler.running === 0 && ((draining && run.notifier.idle) || run.scheduler.done)) break;
    run.refreshDetails();
    run.changed = false;
    await condition(() => run.changed);
  }

  if (run.state === 'running' && !run.scheduler.done) {
    // Running tasks were drained first: an activity cannot outlive the run that scheduled it.
    const {
      resume: _resume,
      fresh: _fresh,
      document: _document,
      baseDir: _baseDir,
      overrides: _overrides,
      ...rest
    } = input;
    await continueAsNew<typeof boardWorkflow>({ ...rest, board: run.board, carried: run.carried() });
  }

  const endedAt = Date.now();
  const counts = run.scheduler.counts;
  const finalState: BoardState =
    run.state === 'cancelling' ? 'cancelled' : counts.succeeded === counts.total ? 'completed' : 'failed';
  run.state = finalState;
  // Search attributes: TodoneState becomes the final state (patched; see final-state-attribute.ts).
  publishFinalState(finalState);
  run.notify(boardFinished(run.facts(finalState), endedAt, endedAt - run.startedAt));
  // The last notifications are delivered (or given up, within their two minutes) before the run ends.
  if (!run.notifier.idle) await condition(() => run.notifier.idle);
  run.refreshDetails(true);
  return run.result(finalState, endedAt);
}

function shouldContinueAsNew(limit: number): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > limit;
}
