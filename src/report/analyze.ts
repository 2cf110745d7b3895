/**
 * The numbers behind `todone report`: from a board's status (finished or running) and, when known,
 * its tasks' dependencies and estimates. Pure: the CLI fetches, this computes, renderers print.
 */
import { planBoard } from '../core/plan.js';
import { cacheSavings } from '../core/cache-savings.js';
import type { BoardStatus, TaskStatus } from '../core/run-state.js';
import { actualCriticalPath } from './critical-path.js';
import { recommend } from './recommend.js';
import { fullTime, type Interval } from './timeline.js';
import type { BoardReport, Bottlenecks, EstimateMiss, ReportTaskSpec, TaskReport } from './types.js';

export interface ReportInput {
  status: BoardStatus;
  /** The board's tasks with dependencies and estimates; without them waits and the path use what the status holds. */
  specs?: readonly ReportTaskSpec[];
  /** Epoch ms: the end of the time a running board's report covers. */
  now: number;
}

export function analyzeBoard({ status, specs, now }: ReportInput): BoardReport {
  const origin = status.startedAt;
  const boardEnd = status.endedAt ?? now;
  const specById = new Map((specs ?? []).map((s) => [s.id, s]));
  const dependencies: Record<string, string[]> = {};
  for (const task of status.tasks) dependencies[task.id] = [...(specById.get(task.id)?.dependsOn ?? [])];

  const base = status.tasks.map((t) => baseReport(t, origin, boardEnd, specById.get(t.id)?.estimateMs, now));
  // A task waiting for a person holds no slot: its wait (at the end of its run) is not slot time.
  const busy: (Interval & { id: string })[] = base
    .filter((t) => t.startMs !== undefined && !t.kept)
    .map((t) => ({
      id: t.id,
      startMs: t.startMs!,
      endMs: t.startMs! + (t.busyMs ?? 0),
    }));
  const endOf = new Map(base.map((t) => [t.id, t.endMs]));
  const tasks = base.map((t) =>
    withWaits(
      t,
      dependencies[t.id]!,
      endOf,
      busy.filter((b) => b.id !== t.id),
      status.maxParallel,
    ),
  );

  const wallMs = Math.max(0, boardEnd - origin);
  const ran = tasks.filter((t) => !t.kept);
  const sumOfTaskDurationsMs = ran.reduce((sum, t) => sum + (t.durationMs ?? 0), 0);
  const counts = status.counts;
  const ended = counts.succeeded + counts.failed + counts.conflicted + counts.cancelled;
  const commits = tasks.filter((t) => t.commit);
  const saved = cacheSavings(status.tasks);
  const summary: BoardReport['summary'] = {
    total: counts.total,
    succeeded: counts.succeeded,
    failed: counts.failed,
    conflicted: counts.conflicted,
    skipped: counts.skipped,
    cancelled: counts.cancelled,
    running: counts.running,
    pending: counts.pending,
    kept: tasks.filter((t) => t.kept).length,
    cached: saved.hits,
    cacheSavedMs: saved.savedMs,
    ...(saved.usage ? { cacheSavedUsage: saved.usage } : {}),
    successRate: ended > 0 ? counts.succeeded / ended : 0,
    wallMs,
    throughputPerHour: wallMs > 0 ? ((counts.succeeded - tasks.filter((t) => t.kept).length) / wallMs) * 3_600_000 : 0,
    sumOfTaskDurationsMs,
    parallelizationFactor: wallMs > 0 ? sumOfTaskDurationsMs / wallMs : 0,
    ...(status.usage ? { usage: status.usage } : {}),
    commits: commits.length,
    changedFiles: commits.reduce((sum, t) => sum + t.commit!.files, 0),
    insertions: commits.reduce((sum, t) => sum + t.commit!.insertions, 0),
    deletions: commits.reduce((sum, t) => sum + t.commit!.deletions, 0),
  };
  const graphKnown = specs !== undefined;
  const bottlenecks = findBottlenecks(tasks, dependencies, status, specs, wallMs, graphKnown);
  return {
    boardId: status.boardId,
    name: status.name,
    state: status.state,
    partial: status.endedAt === undefined,
    maxParallel: status.maxParallel,
    policy: status.policy,
    startedAt: status.startedAt,
    ...(status.endedAt !== undefined ? { endedAt: status.endedAt } : {}),
    summary,
    tasks,
    graphKnown,
    dependencies,
    bottlenecks,
  };
}

function baseReport(
  task: TaskStatus,
  origin: number,
  boardEnd: number,
  estimateMs: number | undefined,
  now: number,
): TaskReport {
  const startMs = task.startedAt !== undefined ? task.startedAt - origin : undefined;
  const endMs = task.endedAt !== undefined ? task.endedAt - origin : undefined;
  // Waited, and still waiting on a running board.
  const waiting = task.state === 'awaiting-approval' && task.approval ? Math.max(0, now - task.approval.since) : 0;
  const waitPeopleMs = (task.waitedMs ?? 0) + waiting;
  // A gate before the start waited before startedAt; a gate after the work, within the run.
  const afterWork = task.cleared ? 0 : waitPeopleMs;
  const busyMs = startMs !== undefined ? (endMs ?? boardEnd - origin) - startMs - afterWork : undefined;
  const validationMs = task.validation?.reduce((sum, v) => sum + v.durationMs, 0);
  const lost =
    busyMs !== undefined && task.durationMs !== undefined && task.attempts > 1
      ? Math.max(0, busyMs - task.durationMs)
      : undefined;
  return {
    id: task.id,
    state: task.state,
    attempts: task.attempts,
    ...(task.agent ? { agent: task.agent } : {}),
    ...(task.reason ? { reason: task.reason } : {}),
    ...(task.kept ? { kept: true } : {}),
    ...(task.cache?.hit
      ? {
          cached: {
            savedMs: task.cache.saved?.durationMs ?? 0,
            ...(task.cache.saved?.usage ? { usage: task.cache.saved.usage } : {}),
          },
        }
      : {}),
    ...(startMs !== undefined ? { startMs } : {}),
    ...(endMs !== undefined ? { endMs } : {}),
    ...(busyMs !== undefined ? { busyMs } : {}),
    ...(task.durationMs !== undefined ? { durationMs: task.durationMs } : {}),
    ...(estimateMs !== undefined ? { estimateMs } : {}),
    ...(lost !== undefined ? { retryLostMs: lost } : {}),
    ...(waitPeopleMs > 0 ? { waitPeopleMs, ...(task.cleared ? { waitedBeforeStart: true } : {}) } : {}),
    ...(validationMs !== undefined ? { validationMs } : {}),
    ...(task.usage ? { usage: task.usage } : {}),
    ...(task.conflictFiles?.length ? { conflictFiles: task.conflictFiles.length } : {}),
    ...(task.commit?.changed
      ? {
          commit: {
            sha: task.commit.sha,
            files: task.commit.files,
            insertions: task.commit.insertions,
            deletions: task.commit.deletions,
          },
        }
      : {}),
  };
}

function withWaits(
  task: TaskReport,
  deps: readonly string[],
  endOf: Map<string, number | undefined>,
  others: readonly Interval[],
  slots: number,
): TaskReport {
  if (task.startMs === undefined || task.kept) return task;
  // A kept dependency ended in an earlier run: it was ready from the start.
  const readyMs = Math.min(
    task.startMs,
    deps.reduce((ready, d) => Math.max(ready, endOf.get(d) ?? 0), 0),
  );
  const waitSlotMs = fullTime(others, slots, readyMs, task.startMs);
  const people = task.waitedBeforeStart ? (task.waitPeopleMs ?? 0) : 0;
  return {
    ...task,
    readyMs,
    waitDependenciesMs: readyMs,
    waitSlotMs,
    waitOtherMs: Math.max(0, task.startMs - readyMs - waitSlotMs - people),
  };
}

function findBottlenecks(
  tasks: readonly TaskReport[],
  dependencies: Record<string, readonly string[]>,
  status: BoardStatus,
  specs: readonly ReportTaskSpec[] | undefined,
  wallMs: number,
  graphKnown: boolean,
): Bottlenecks {
  const criticalPath = actualCriticalPath(tasks, dependencies);
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const first = byId.get(criticalPath[0]?.id ?? '');
  const last = byId.get(criticalPath.at(-1)?.id ?? '');
  const criticalPathMs = first && last ? (last.endMs ?? 0) - (first.startMs ?? 0) : 0;
  const ran = tasks.filter((t) => t.startMs !== undefined && !t.kept);
  const conflicted = (t: TaskReport) => t.state === 'conflicted' || t.conflictFiles !== undefined;
  const retryLostMs = ran.filter((t) => !conflicted(t)).reduce((sum, t) => sum + (t.retryLostMs ?? 0), 0);
  const conflictLostMs = ran.filter(conflicted).reduce((sum, t) => sum + (t.retryLostMs ?? 0), 0);
  const validationMs = ran.reduce((sum, t) => sum + (t.validationMs ?? 0), 0);
  const slotWaitMs = ran.reduce((sum, t) => sum + (t.waitSlotMs ?? 0), 0);
  const peopleWaitMs = tasks.reduce((sum, t) => sum + (t.waitPeopleMs ?? 0), 0);
  const readyToDone = ran.reduce((sum, t) => sum + ((t.endMs ?? t.startMs! + (t.busyMs ?? 0)) - (t.readyMs ?? 0)), 0);
  const slotWaitShare = readyToDone > 0 ? slotWaitMs / readyToDone : 0;
  const planned = plannedSchedule(specs, status.maxParallel);
  const estimateMisses = misses(ran);
  const notes = [
    'Retry time is the time a task held its slot beyond its last attempt (earlier attempts and their backoff): the history has each attempt, the status only the last.',
    ...(graphKnown
      ? []
      : [
          'Dependencies were not known: waiting for dependencies counts from the board start, and the critical path follows freed slots only.',
        ]),
  ];
  const partial: Omit<Bottlenecks, 'recommendations'> = {
    criticalPath,
    criticalPathMs,
    ...(planned ? { planned } : {}),
    estimateMisses,
    retryLostMs,
    conflictLostMs,
    validationMs,
    slotWaitMs,
    peopleWaitMs,
    slotWaitShare,
    notes,
  };
  return { ...partial, recommendations: recommend(partial, tasks, wallMs, status.maxParallel) };
}

function plannedSchedule(specs: readonly ReportTaskSpec[] | undefined, slots: number): Bottlenecks['planned'] {
  if (!specs || specs.some((s) => s.estimateMs === undefined)) return undefined;
  try {
    const plan = planBoard(
      specs.map((s) => ({ id: s.id, dependsOn: s.dependsOn, estimateMs: s.estimateMs!, priority: 0 })),
      Math.max(1, slots),
    );
    return {
      makespanMs: plan.makespan.eagerMs,
      criticalPath: plan.criticalPath.ids,
      criticalPathMs: plan.criticalPath.lengthMs,
    };
  } catch {
    // Tasks added to the running board may depend on ones the file does not have: no plan, not no report.
    return undefined;
  }
}

/** The tasks whose estimates were furthest off, by factor either way. */
function misses(ran: readonly TaskReport[]): EstimateMiss[] {
  return ran
    .filter(
      (t) =>
        t.estimateMs !== undefined &&
        t.estimateMs > 0 &&
        t.durationMs !== undefined &&
        t.durationMs > 0 &&
        t.endMs !== undefined,
    )
    .map((t) => ({
      id: t.id,
      estimateMs: t.estimateMs!,
      actualMs: t.durationMs!,
      ratio: t.durationMs! / t.estimateMs!,
    }))
    .sort((a, b) => Math.abs(Math.log(b.ratio)) - Math.abs(Math.log(a.ratio)))
    .slice(0, 5);
}
