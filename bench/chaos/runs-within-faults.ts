/**
 * The `runs-within-faults` invariant: a task's agent ran at most once, plus once for each run a fault
 * spoiled. A fault counts for a task when it falls within the task's life (from its first start to
 * its end) and is aimed at it: at the task itself (its agent killed, its worktree removed), at a
 * worker one of its runs ran on (killed, stopped, disk filled), or at the server. A kill of the
 * submitter counts for nothing: it does no task's work.
 *
 * A fault spoils the run under way when it lands: one more run. A fault that lasts (a worker stopped
 * or being started again, a disk full until it is emptied, the server down until it is back) also
 * spoils each run of the task that starts on its target while it lasts: a retry 200 ms after a
 * failure on a full disk meets the same full disk. A run starts when its attempt does (the board's
 * record of the attempt), not when its agent does: an attempt that opened its log on the full disk
 * fails after its agent has started.
 */
import type { AttemptRun } from '../../src/core/outcome.js';
import type { TaskStatus } from '../../src/core/run-state.js';
import { check, type Check } from './check.js';
import type { Execution } from './executions.js';
import type { Fault } from './faults.js';

export interface RunsEvidence {
  boardId: string;
  tasks: readonly Pick<TaskStatus, 'id' | 'state' | 'startedAt' | 'endedAt' | 'runs'>[];
  executions: ReadonlyMap<string, Execution[]>;
  journal: readonly Fault[];
  /** Worker name → its data folder: an execution's worktree path says which worker ran it. */
  homes: ReadonlyMap<string, string>;
}

const WORKER_FAULTS = new Set(['worker-kill', 'worker-stop', 'disk-full']);
const TASK_FAULTS = new Set(['agent-kill', 'worktree-remove']);

export function runsWithinFaults({ boardId, tasks, executions, journal, homes }: RunsEvidence): Check {
  const c = check('runs-within-faults', "a task's agent ran at most once plus once per run a fault spoiled");
  const workerOf = (run: Execution) => [...homes].find(([, home]) => run.cwd.startsWith(`${home}/`))?.[0];
  for (const t of tasks) {
    const runs = executions.get(t.id) ?? [];
    c.checked++;
    if (t.state === 'succeeded' && !runs.some((r) => r.end !== undefined))
      c.violations.push(`${boardId}/${t.id} succeeded, yet no run of its agent finished`);
    if (runs.length <= 1) continue;
    const from = Math.min(t.startedAt ?? Infinity, runs[0]!.start);
    const to = Math.max(t.endedAt ?? 0, runs[runs.length - 1]!.start);
    const workers = new Set(runs.map(workerOf));
    // A run on the fault's target: the worker it hit, or any worker for the server.
    const targets = (f: Fault, run: Execution) => f.kind === 'server-kill' || workerOf(run) === f.worker;
    const hits = journal.filter(
      (f) =>
        endOf(f) >= from &&
        f.at <= to &&
        (f.kind === 'server-kill' ||
          (TASK_FAULTS.has(f.kind) && f.boardId === boardId && f.taskId === t.id) ||
          (WORKER_FAULTS.has(f.kind) && workers.has(f.worker))),
    );
    const spoiled = hits.reduce(
      (sum, f) =>
        sum +
        1 +
        runs.filter((run) => {
          const start = attemptStart(run, t.runs);
          return targets(f, run) && start > f.at && start <= endOf(f);
        }).length,
      0,
    );
    if (runs.length > 1 + spoiled)
      c.violations.push(
        `${boardId}/${t.id} ran ${runs.length} times with ${hits.length} fault(s) hitting it, spoiling at most ${spoiled} run(s) ` +
          `(${hits.map(describe).join(', ') || 'none'}): ` +
          runs.map((r) => `${iso(r.start)} on ${workerOf(r) ?? r.cwd} (attempt ${r.attempt})`).join(', '),
      );
  }
  return c;
}

/** When the fault's target was whole again; an instant fault ends when it lands. */
function endOf(f: Fault): number {
  return f.until ?? f.at + (f.heldMs ?? 0);
}

/** When the run's attempt started: the board's record of the latest attempt of that number before its agent started. */
function attemptStart(run: Execution, attempts: readonly AttemptRun[] | undefined): number {
  const starts = (attempts ?? [])
    .filter((a) => String(a.attempt) === run.attempt && a.startedAt !== undefined && a.startedAt <= run.start)
    .map((a) => a.startedAt!);
  return starts.length > 0 ? Math.max(...starts) : run.start;
}

function describe(f: Fault): string {
  const where = f.worker ? ` on ${f.worker}` : '';
  const lasting = endOf(f) > f.at ? `–${iso(endOf(f))}` : '';
  return `${f.kind}${where} at ${iso(f.at)}${lasting}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}
