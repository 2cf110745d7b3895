/**
 * Everything a client can ask of a board: the queries, the signals and the updates, installed in
 * the run's first activation, before anything is awaited, so a board answers from its first moment.
 * Until its board is known they answer from the opening (`starting`, or an invalid board's
 * problems); then from the run.
 *
 * Any client can send anything. An update's validator checks its request with the loader's rules
 * and refuses what cannot apply (a non-retryable `RequestRefused` failure naming the field; nothing
 * is recorded), and its handler only applies what the validator accepted: the validators do not
 * run when a history is replayed, and a handler that threw anything but a Temporal failure would
 * fail the workflow task, again and again, leaving a board nothing can cancel. Signals cannot be
 * refused, so their arguments are read defensively.
 */
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import { addedTaskSpecs, readAddedTasks } from '../src/board/added-tasks.js';
import { LIMITS } from '../src/core/limits.js';
import { controlCharacterProblem, quoted } from '../src/core/rules.js';
import type { ApprovalWait } from '../src/core/run-state.js';
import { RETRYABLE_STATES } from '../src/core/scheduler.js';
import {
  addTasksUpdate,
  approveTaskUpdate,
  boardGraphQuery,
  cancelBoardSignal,
  cancelTaskSignal,
  cancelTaskUpdate,
  pauseUpdate,
  REQUEST_REFUSED,
  rejectTaskUpdate,
  resumeUpdate,
  retryTasksUpdate,
  setBreakpointUpdate,
  setMaxParallelUpdate,
  statusQuery,
} from './api.js';
import { graphPage } from './board-graph.js';
import type { BoardOpening } from './board-opening.js';
import type { BoardRun } from './board-run.js';
import { approveTask, rejectTask } from './gates.js';

/** The largest parallel limit: Temporal allows 2,000 activities in flight per workflow, best of N takes several per task. */
export const MAX_PARALLEL_LIMIT = 1_000;
/** `by` and a cancel reason are recorded and shown: a line, not a document. */
const MAX_NOTE = 500;

export interface Handlers {
  /** The board is known: requests go to the run, and cancellations that came first apply now. */
  attach(run: BoardRun): void;
}

export function installHandlers(opening: BoardOpening): Handlers {
  let run: BoardRun | undefined;
  /** The run, for a request that needs one (refused while the board starts or when it never did). */
  const started = (): BoardRun => {
    if (run) return run;
    throw refusal(
      opening.problems
        ? 'the board is invalid: it never started (its status says why)'
        : 'the board is starting (its document is being checked): ask again in a moment',
    );
  };
  /** The run, for a change: refused once the board is ending. */
  const accepting = (): BoardRun => {
    const current = started();
    if (!current.accepting) throw refusal('the board is ending or being cancelled: it takes no more changes');
    return current;
  };

  setHandler(statusQuery, (request) => (run ? run.status(request) : opening.status()));
  setHandler(boardGraphQuery, (request) =>
    run ? graphPage(run.board, request) : { tasks: [], total: 0, offset: 0, more: false },
  );

  setHandler(cancelBoardSignal, (reason) => {
    const why = note(reason) ?? 'board cancelled';
    if (run) run.cancelBoard(why);
    else opening.cancelled ??= why;
  });
  setHandler(cancelTaskSignal, (taskId, reason) => {
    if (typeof taskId !== 'string') return;
    const why = note(reason) ?? 'cancelled by request';
    if (run) run.cancelTask(taskId, why);
    else if (opening.taskCancels.length < LIMITS.tasks) opening.taskCancels.push({ taskId, reason: why });
  });

  setHandler(
    cancelTaskUpdate,
    (request) => run!.cancelTask(request.taskId, note(request.reason) ?? 'cancelled by request'),
    {
      validator: (request: unknown) => {
        const current = started();
        const { taskId, reason } = fields(request, ['taskId', 'reason']);
        const id = text(taskId, 'taskId');
        noteOf(reason, 'reason');
        if (!current.scheduler.statusOf(id)) throw refusal(`unknown task ${quoted(id)}`);
      },
    },
  );

  setHandler(
    retryTasksUpdate,
    ({ taskIds, by }) => {
      const answer = run!.scheduler.retry(taskIds);
      const revived = answer.revived.length ? ` (revived ${answer.revived.join(', ')})` : '';
      run!.record('retry', `retry ${answer.retried.join(', ')}${revived}`, by);
      return answer;
    },
    {
      validator: (request: unknown) => {
        const current = accepting();
        const { taskIds, by } = fields(request, ['taskIds', 'by']);
        noteOf(by, 'by');
        if (!Array.isArray(taskIds) || taskIds.length === 0)
          throw refusal('taskIds: name at least one task to retry (a list of task ids)');
        for (const id of taskIds as unknown[]) {
          if (typeof id !== 'string') throw refusal(`taskIds: task ids are strings, got ${JSON.stringify(id)}`);
          const status = current.scheduler.statusOf(id);
          if (!status) throw refusal(`unknown task ${quoted(id)}`);
          if (!RETRYABLE_STATES.includes(status.state)) {
            throw refusal(
              `task ${quoted(id)} is ${status.state}: only failed, conflicted or cancelled tasks can be retried`,
            );
          }
        }
      },
    },
  );

  setHandler(
    addTasksUpdate,
    ({ tasks, by }) => {
      const current = run!;
      const added = addedTaskSpecs(current.board, tasks);
      current.board = { ...current.board, tasks: [...current.board.tasks, ...added] };
      current.scheduler.add(added);
      current.record('add', `add ${added.map((t) => t.id).join(', ')}`, by);
      return { added: added.map((t) => t.id) };
    },
    {
      validator: (request: unknown) => {
        const current = accepting();
        const { tasks, by } = fields(request, ['tasks', 'by']);
        noteOf(by, 'by');
        const reading = readAddedTasks(current.board, tasks);
        if ('problems' in reading) {
          const { problems } = reading;
          const listed = problems.slice(0, LIMITS.reportedIssues);
          const more = problems.length - listed.length;
          throw refusal(
            `cannot add these tasks (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${listed.map((p) => `  ${p.path}: ${p.message}`).join('\n')}${more > 0 ? `\n  … and ${more} more` : ''}`,
            { issues: listed, ...(more > 0 ? { more } : {}) },
          );
        }
      },
    },
  );

  setHandler(
    pauseUpdate,
    (request) => {
      const current = run!;
      if (!current.paused) current.record('pause', 'pause: no new task starts', request?.by);
      current.paused = true;
      return { paused: true };
    },
    {
      validator: (request: unknown) => {
        accepting();
        requester(request);
      },
    },
  );

  setHandler(
    resumeUpdate,
    (request) => {
      const current = run!;
      if (current.paused)
        current.record(
          'resume',
          current.pausedAt ? `resume: past the breakpoint before ${current.pausedAt}` : 'resume: tasks start again',
          request?.by,
        );
      current.paused = false;
      current.pausedAt = undefined;
      return { paused: false };
    },
    {
      validator: (request: unknown) => {
        accepting();
        requester(request);
      },
    },
  );

  setHandler(
    setBreakpointUpdate,
    ({ taskId, by }) => {
      const current = run!;
      current.breakpoints.add(taskId);
      current.record('breakpoint', `breakpoint before ${taskId}`, by);
      return { breakpoints: [...current.breakpoints] };
    },
    {
      validator: (request: unknown) => {
        const current = accepting();
        const { taskId, by } = fields(request, ['taskId', 'by']);
        noteOf(by, 'by');
        const id = text(taskId, 'taskId');
        const status = current.scheduler.statusOf(id);
        if (!status) throw refusal(`unknown task ${quoted(id)}`);
        if (status.state !== 'pending')
          throw refusal(`task ${quoted(id)} is ${status.state}: a breakpoint holds a task that has not started yet`);
      },
    },
  );

  setHandler(
    setMaxParallelUpdate,
    ({ maxParallel, by }) => {
      const current = run!;
      const before = current.board.maxParallel;
      current.board = { ...current.board, maxParallel };
      current.scheduler.setMaxParallel(maxParallel);
      current.record('maxParallel', `maxParallel ${before} -> ${maxParallel}`, by);
      return { maxParallel };
    },
    {
      validator: (request: unknown) => {
        accepting();
        const { maxParallel, by } = fields(request, ['maxParallel', 'by']);
        noteOf(by, 'by');
        if (
          !Number.isInteger(maxParallel) ||
          (maxParallel as number) < 1 ||
          (maxParallel as number) > MAX_PARALLEL_LIMIT
        ) {
          throw refusal(
            `maxParallel: expected a whole number from 1 to ${MAX_PARALLEL_LIMIT}, got ${JSON.stringify(maxParallel) ?? 'nothing'}`,
          );
        }
      },
    },
  );

  setHandler(
    approveTaskUpdate,
    ({ taskId, comment, by }) => ({
      taskId,
      state: approveTask(run!, taskId, { ...(by ? { by } : {}), ...(comment ? { comment } : {}) }),
    }),
    {
      validator: (request: unknown) => {
        const current = accepting();
        const { taskId, comment, by } = fields(request, ['taskId', 'comment', 'by']);
        noteOf(by, 'by');
        commentOf(comment, false);
        waitingAtGate(current, text(taskId, 'taskId'));
      },
    },
  );

  setHandler(
    rejectTaskUpdate,
    ({ taskId, comment, final, by }) => ({
      taskId,
      state: rejectTask(run!, taskId, { ...(by ? { by } : {}), comment, ...(final === true ? { final } : {}) }),
    }),
    {
      validator: (request: unknown) => {
        const current = accepting();
        const { taskId, comment, final, by } = fields(request, ['taskId', 'comment', 'final', 'by']);
        noteOf(by, 'by');
        commentOf(comment, true);
        if (final !== undefined && typeof final !== 'boolean') throw refusal('final: expected true or false');
        const wait = waitingAtGate(current, text(taskId, 'taskId'));
        if (wait.gate === 'before' && final !== true)
          throw refusal(
            `task ${quoted(taskId as string)} has not started: there is no work to send back. Approve it, or reject it for good (final: true)`,
          );
      },
    },
  );

  return {
    attach(started) {
      run = started;
      if (opening.cancelled !== undefined) started.cancelBoard(opening.cancelled);
      for (const { taskId, reason } of opening.taskCancels) started.cancelTask(taskId, reason);
    },
  };
}

/** An update's refusal: said to the caller, never retried (the same request would be refused again). */
function refusal(message: string, details?: unknown): ApplicationFailure {
  return ApplicationFailure.create({
    type: REQUEST_REFUSED,
    message,
    nonRetryable: true,
    ...(details !== undefined ? { details: [details] } : {}),
  });
}

/** The request object's fields; anything else in it is refused, as a typo would be in a board. */
function fields(request: unknown, known: readonly string[]): Record<string, unknown> {
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    throw refusal(`expected a request object with ${known.join(', ')}`);
  const unknown = Object.keys(request).find((key) => !known.includes(key));
  if (unknown !== undefined) throw refusal(`${quoted(unknown)}: unknown field (expected ${known.join(', ')})`);
  return request as Record<string, unknown>;
}

/** pause and resume take `{ by? }`, or nothing at all. */
function requester(request: unknown): void {
  if (request === undefined || request === null) return;
  noteOf(fields(request, ['by']).by, 'by');
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw refusal(`${field}: expected a task id (a string)`);
  return value;
}

/** `by` and reasons: one line of at most 500 characters, or absent. */
function noteOf(value: unknown, field: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.length > MAX_NOTE || controlCharacterProblem(value) || /[\n\r]/.test(value))
    throw refusal(`${field}: expected one line of text (at most ${MAX_NOTE} characters)`);
}

/** A decision is about a task waiting at its approval gate: any other is refused, naming its state. */
function waitingAtGate(run: BoardRun, taskId: string): ApprovalWait {
  const status = run.scheduler.statusOf(taskId);
  if (!status) throw refusal(`unknown task ${quoted(taskId)}`);
  if (status.state !== 'awaiting-approval' || !status.approval)
    throw refusal(
      `task ${quoted(taskId)} is ${status.state}: only a task waiting for approval can be approved or rejected`,
    );
  return status.approval;
}

/** A comment: text (lines allowed) of at most LIMITS.comment characters, no control characters; required to reject. */
function commentOf(value: unknown, required: boolean): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'string' || value.trim() === '')
    throw refusal(
      required
        ? 'comment: a rejection says why (the task is told, in its prompt and TODONE_FEEDBACK)'
        : 'comment: expected text',
    );
  if (value.length > LIMITS.comment)
    throw refusal(`comment: at most ${LIMITS.comment} characters (it has ${value.length})`);
  const problem = controlCharacterProblem(value);
  if (problem) throw refusal(`comment: ${problem}`);
}

/** A signal's reason as far as it can be used: a string, cut to a line. */
function note(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  // eslint-disable-next-line no-control-regex -- control characters are what this takes out
  return value.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').slice(0, MAX_NOTE);
}
