/**
 * What `todone report` knows about a board: computed once from its status (and its task specs when
 * known), then rendered as markdown, HTML or JSON. Times are ms after the board's start so the
 * report reads the same wherever it is rendered.
 */
import type { TaskState } from '../core/run-state.js';
import type { Usage } from '../core/usage.js';

/** A task's place in the graph: from the board file, or the workflow's graph query. */
export interface ReportTaskSpec {
  id: string;
  dependsOn: readonly string[];
  estimateMs?: number;
}

export interface TaskReport {
  id: string;
  state: TaskState;
  agent?: string;
  attempts: number;
  reason?: string;
  kept?: boolean;
  /** Read from the cache: the time and spend of the run it replayed. */
  cached?: { savedMs: number; usage?: Usage };
  /** Start and end, ms after the board started. */
  startMs?: number;
  endMs?: number;
  /** Wall time the task held its slot (start to end, every attempt and backoff included). */
  busyMs?: number;
  /** The last attempt's own wall time, as the activity measured it. */
  durationMs?: number;
  estimateMs?: number;
  /** When its last dependency ended (or the board started), ms after the board started. */
  readyMs?: number;
  /** From the board's start until its dependencies were done. */
  waitDependenciesMs?: number;
  /** Ready, but every slot was taken. */
  waitSlotMs?: number;
  /** Ready with a free slot but not started yet: scheduling latency, a pause or a breakpoint. */
  waitOtherMs?: number;
  /** Held a slot beyond its last attempt: earlier attempts, backoff, conflict rounds (approximate). */
  retryLostMs?: number;
  /** Waited for a person at its approval gate (no slot held then), over every round. */
  waitPeopleMs?: number;
  /** That wait was before its start (a gate before the task), not after its work. */
  waitedBeforeStart?: boolean;
  validationMs?: number;
  /** Files that conflicted when it was integrated (git boards). */
  conflictFiles?: number;
  usage?: Usage;
  commit?: { sha: string; files: number; insertions: number; deletions: number };
}

export interface PathLink {
  id: string;
  /** How this task waited for the one before it on the path: its dependency, or the slot it freed. */
  via?: 'dependency' | 'slot';
}

export interface EstimateMiss {
  id: string;
  estimateMs: number;
  actualMs: number;
  /** actual / estimate. */
  ratio: number;
}

export interface Bottlenecks {
  /** The chain of tasks that determined the finish time, first to last. */
  criticalPath: PathLink[];
  criticalPathMs: number;
  planned?: { makespanMs: number; criticalPath: string[]; criticalPathMs: number };
  estimateMisses: EstimateMiss[];
  retryLostMs: number;
  conflictLostMs: number;
  validationMs: number;
  slotWaitMs: number;
  /** Time tasks spent waiting for people at approval gates, apart from every other wait. */
  peopleWaitMs: number;
  /** Slot waits over the time tasks spent from ready to done. */
  slotWaitShare: number;
  recommendations: string[];
  /** What is approximate and why. */
  notes: string[];
}

export interface BoardReport {
  boardId: string;
  name: string;
  state: string;
  /** The board was still running: the report covers it so far. */
  partial: boolean;
  maxParallel: number;
  policy: string;
  startedAt: number;
  endedAt?: number;
  summary: {
    total: number;
    succeeded: number;
    failed: number;
    conflicted: number;
    skipped: number;
    cancelled: number;
    running: number;
    pending: number;
    kept: number;
    /** Tasks read from the cache, and the agent time and spend they spared. */
    cached: number;
    cacheSavedMs: number;
    cacheSavedUsage?: Usage;
    /** Succeeded over the tasks that ended. */
    successRate: number;
    wallMs: number;
    /** Succeeded tasks per hour of wall time. */
    throughputPerHour: number;
    sumOfTaskDurationsMs: number;
    parallelizationFactor: number;
    usage?: Usage;
    commits: number;
    changedFiles: number;
    insertions: number;
    deletions: number;
  };
  tasks: TaskReport[];
  /** Whether dependencies were known (board file or graph query) or only what the status holds. */
  graphKnown: boolean;
  dependencies: Record<string, string[]>;
  bottlenecks: Bottlenecks;
}
