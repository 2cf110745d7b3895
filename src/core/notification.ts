/**
 * What a webhook is sent: one JSON body for every event, with the board, the task it is about and a
 * `text` line that Slack-compatible incoming webhooks show as it is. Built by the workflow (pure),
 * posted by an activity. Text that came from tasks (ids, reasons, comments) is escaped the way
 * Slack reads `&`, `<` and `>`, so a hostile task's output cannot mention `<!channel>` or link
 * anywhere, and is cut short: a body stays a few kilobytes.
 */
import type { NotifyEvent } from './board.js';
import { formatDuration } from './duration.js';
import type { BoardCounts, BoardState, TaskState } from './run-state.js';

export interface NotificationBody {
  event: NotifyEvent;
  /** ISO 8601, workflow time. */
  at: string;
  board: { id: string; name: string; state: BoardState; counts: BoardCounts; workflowId: string };
  task?: {
    id: string;
    state: TaskState;
    reason?: string;
    /** task.awaiting-approval: which gate, and when its deadline decides. */
    gate?: 'before' | 'after';
    deadline?: string;
    onTimeout?: string;
    /** review.changes: the tasks sent back, the round, the comment. */
    sentBack?: string[];
    round?: number;
    comment?: string;
  };
  budget?: { exhausted: string };
  /** One line for people (Slack's `text`). */
  text: string;
}

export interface BoardFacts {
  id: string;
  name: string;
  state: BoardState;
  counts: BoardCounts;
  workflowId: string;
}

/** Longest piece of task text (a reason, a comment) a body carries. */
const MAX_TEXT = 500;

export function boardFinished(board: BoardFacts, at: number, durationMs: number): NotificationBody {
  const c = board.counts;
  const failed = c.failed + c.conflicted;
  const tally = [
    `${c.succeeded}/${c.total} succeeded`,
    failed ? `${failed} failed` : '',
    c.skipped ? `${c.skipped} skipped` : '',
    c.cancelled ? `${c.cancelled} cancelled` : '',
  ].filter(Boolean);
  return body('board.finished', board, at, undefined, {
    text: `Board ${name(board)} ${board.state}: ${tally.join(', ')} in ${formatDuration(durationMs)}.`,
  });
}

export function taskFailed(
  board: BoardFacts,
  at: number,
  task: { id: string; state: TaskState; reason?: string },
): NotificationBody {
  const reason = task.reason ? `: ${clip(task.reason)}` : '';
  return body(
    'task.failed',
    board,
    at,
    { id: task.id, state: task.state, ...(task.reason ? { reason: clip(task.reason) } : {}) },
    {
      text: `Board ${name(board)}: task \`${escape(task.id)}\` ${task.state}${escape(reason)}`,
    },
  );
}

export function awaitingApproval(
  board: BoardFacts,
  at: number,
  task: { id: string; gate: 'before' | 'after'; deadline?: number; onTimeout?: string },
): NotificationBody {
  const what =
    task.gate === 'before' ? 'waits for your approval to start' : 'finished its work and waits for your approval';
  const deadline =
    task.deadline !== undefined
      ? ` If nobody decides within ${formatDuration(task.deadline - at)}: ${task.onTimeout}.`
      : '';
  return body(
    'task.awaiting-approval',
    board,
    at,
    {
      id: task.id,
      state: 'awaiting-approval',
      gate: task.gate,
      ...(task.deadline !== undefined ? { deadline: new Date(task.deadline).toISOString() } : {}),
      ...(task.onTimeout ? { onTimeout: task.onTimeout } : {}),
    },
    {
      text:
        `Board ${name(board)}: task \`${escape(task.id)}\` ${what}.${deadline} ` +
        `\`todone approve ${escape(board.id)} ${escape(task.id)}\` or \`todone reject ${escape(board.id)} ${escape(task.id)} --comment "…"\``,
    },
  );
}

export function reviewChanges(
  board: BoardFacts,
  at: number,
  review: { id: string; round: number; maxRounds: number; sentBack: string[]; comment: string },
): NotificationBody {
  const tasks = review.sentBack.map((id) => `\`${escape(id)}\``).join(', ');
  return body(
    'review.changes',
    board,
    at,
    {
      id: review.id,
      state: 'pending',
      sentBack: review.sentBack,
      round: review.round,
      comment: clip(review.comment),
    },
    {
      text: `Board ${name(board)}: review \`${escape(review.id)}\` sent ${tasks} back (round ${review.round} of ${review.maxRounds}): ${escape(clip(review.comment))}`,
    },
  );
}

export function budgetExhausted(board: BoardFacts, at: number, exhausted: string): NotificationBody {
  return body('budget.exhausted', board, at, undefined, {
    text: `Board ${name(board)}: budget exhausted (${escape(exhausted)}): no new task starts.`,
    budget: { exhausted },
  });
}

function body(
  event: NotifyEvent,
  board: BoardFacts,
  at: number,
  task: NotificationBody['task'],
  rest: { text: string; budget?: NotificationBody['budget'] },
): NotificationBody {
  return {
    event,
    at: new Date(at).toISOString(),
    board: { id: board.id, name: board.name, state: board.state, counts: board.counts, workflowId: board.workflowId },
    ...(task ? { task } : {}),
    ...(rest.budget ? { budget: rest.budget } : {}),
    text: rest.text,
  };
}

function name(board: BoardFacts): string {
  return `*${escape(board.name)}*`;
}

/** Slack's three control characters; everything else it shows as it is. */
export function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_TEXT ? `${line.slice(0, MAX_TEXT - 1)}…` : line;
}
