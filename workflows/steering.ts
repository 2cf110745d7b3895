/**
 * Steering a running board: Workflow Updates whose validators refuse what cannot be done (the
 * caller gets a clear refusal and nothing changes) and whose handlers change the scheduler and
 * record who changed what, when.
 */
import { setHandler } from '@temporalio/workflow';
import { checkAddedTasks } from '../src/board/check-added.js';
import type { BoardSpec, TaskSpec } from '../src/core/board.js';
import type { BoardChange } from '../src/core/run-state.js';
import { RETRYABLE_STATES, type BoardScheduler } from '../src/core/scheduler.js';
import {
  addTasksUpdate,
  pauseUpdate,
  resumeUpdate,
  retryTasksUpdate,
  setBreakpointUpdate,
  setMaxParallelUpdate,
  type Requester,
} from './api.js';

/** The largest parallel limit: Temporal allows 2,000 activities in flight per workflow, best of N takes several per task. */
export const MAX_PARALLEL_LIMIT = 1_000;
const KEPT_CHANGES = 100;

export interface Steerable {
  scheduler: BoardScheduler;
  board(): BoardSpec;
  /** The board after tasks were added or its limit changed: carried into continued runs. */
  setBoard(board: BoardSpec): void;
  /** Whether the board still takes changes (not cancelling, not ending). */
  accepting(): boolean;
  paused: boolean;
  /** The task a breakpoint paused the board before, if that is why it is paused. */
  pausedAt?: string;
  /** Breakpoints not reached yet: the board pauses before each of these tasks starts. */
  breakpoints: Set<string>;
  changes: BoardChange[];
  /** Wakes the main loop. */
  wake(): void;
}

export function installSteering(s: Steerable): void {
  const record = (kind: BoardChange['kind'], detail: string, by: string | undefined) => {
    s.changes.push({ at: Date.now(), ...(by ? { by } : {}), kind, detail });
    if (s.changes.length > KEPT_CHANGES) s.changes.splice(0, s.changes.length - KEPT_CHANGES);
    s.wake();
  };
  const mustAccept = () => {
    if (!s.accepting()) throw new Error('the board is ending or being cancelled: it takes no more changes');
  };

  setHandler(
    retryTasksUpdate,
    ({ taskIds, by }) => {
      const answer = s.scheduler.retry(taskIds);
      const revived = answer.revived.length ? ` (revived ${answer.revived.join(', ')})` : '';
      record('retry', `retry ${answer.retried.join(', ')}${revived}`, by);
      return answer;
    },
    {
      validator: ({ taskIds }) => {
        mustAccept();
        // The request came over the wire: its shape is checked, not assumed.
        const ids: unknown[] = Array.isArray(taskIds) ? taskIds : [];
        if (ids.length === 0) throw new Error('name at least one task to retry');
        for (const id of ids) {
          if (typeof id !== 'string') throw new Error(`task ids are strings, got ${JSON.stringify(id)}`);
          const status = s.scheduler.statusOf(id);
          if (!status) throw new Error(`unknown task "${id}"`);
          if (!RETRYABLE_STATES.includes(status.state)) {
            throw new Error(
              `task "${id}" is ${status.state}: only failed, conflicted or cancelled tasks can be retried`,
            );
          }
        }
      },
    },
  );

  setHandler(
    addTasksUpdate,
    ({ tasks, by }) => {
      const board = { ...s.board(), tasks: [...s.board().tasks, ...tasks] };
      s.setBoard(board);
      s.scheduler.add(tasks);
      record('add', `add ${tasks.map((t) => t.id).join(', ')}`, by);
      return { added: tasks.map((t) => t.id) };
    },
    {
      validator: ({ tasks }) => {
        mustAccept();
        const board = s.board();
        const problems = checkAddedTasks(board.tasks, Array.isArray(tasks) ? (tasks as TaskSpec[]) : [], {
          gitBoard: board.git !== undefined,
        });
        if (problems.length > 0) {
          throw new Error(
            `cannot add these tasks (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
          );
        }
      },
    },
  );

  setHandler(
    pauseUpdate,
    ({ by }) => {
      if (!s.paused) record('pause', 'pause: no new task starts', by);
      s.paused = true;
      return { paused: true };
    },
    { validator: (_request: Requester) => mustAccept() },
  );

  setHandler(
    resumeUpdate,
    ({ by }) => {
      if (s.paused)
        record(
          'resume',
          s.pausedAt ? `resume: past the breakpoint before ${s.pausedAt}` : 'resume: tasks start again',
          by,
        );
      s.paused = false;
      s.pausedAt = undefined;
      return { paused: false };
    },
    { validator: (_request: Requester) => mustAccept() },
  );

  setHandler(
    setBreakpointUpdate,
    ({ taskId, by }) => {
      s.breakpoints.add(taskId);
      record('breakpoint', `breakpoint before ${taskId}`, by);
      return { breakpoints: [...s.breakpoints] };
    },
    {
      validator: ({ taskId }: { taskId: string }) => {
        mustAccept();
        const status = s.scheduler.statusOf(taskId);
        if (!status) throw new Error(`unknown task "${taskId}"`);
        if (status.state !== 'pending')
          throw new Error(`task "${taskId}" is ${status.state}: a breakpoint holds a task that has not started yet`);
      },
    },
  );

  setHandler(
    setMaxParallelUpdate,
    ({ maxParallel, by }) => {
      const before = s.board().maxParallel;
      s.setBoard({ ...s.board(), maxParallel });
      s.scheduler.setMaxParallel(maxParallel);
      record('maxParallel', `maxParallel ${before} -> ${maxParallel}`, by);
      return { maxParallel };
    },
    {
      validator: ({ maxParallel }) => {
        mustAccept();
        if (!Number.isInteger(maxParallel) || maxParallel < 1 || maxParallel > MAX_PARALLEL_LIMIT) {
          throw new Error(
            `maxParallel: expected a whole number from 1 to ${MAX_PARALLEL_LIMIT}, got ${JSON.stringify(maxParallel)}`,
          );
        }
      },
    },
  );
}

/**
 * Starts what may start, stopping at a breakpoint: the board pauses before that task (once) and
 * says so. Returns the ids started.
 */
export function startTasks(s: Steerable, now: number): string[] {
  const { started, stoppedAt } = s.scheduler.startNextUntil(now, s.breakpoints);
  if (stoppedAt !== undefined) {
    s.breakpoints.delete(stoppedAt);
    s.paused = true;
    s.pausedAt = stoppedAt;
    s.changes.push({ at: now, kind: 'breakpoint', detail: `paused before ${stoppedAt} (breakpoint)` });
  }
  return started;
}
