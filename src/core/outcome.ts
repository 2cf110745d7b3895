/**
 * What a task produced. One shape from the activity that ran an attempt, through the workflow
 * that combines attempts, conflict rounds and candidates, to the status and the board's result:
 * a field added here reaches all of them without a list to update (tests/unit/core-outcome.test.ts).
 * Small on purpose: it travels in payloads.
 */
import type { AggregateReport } from './aggregate.js';
import { addUsage, type Usage } from './usage.js';

export interface TaskOutcome {
  /** Attempts spent: one activity's attempt number, or the sum over rounds and candidates. */
  attempts: number;
  /** Wall time the last attempt ran (agent and checks), as measured by the activity. */
  durationMs?: number;
  exitCode?: number;
  /** Why it failed, was skipped or cancelled. */
  reason?: string;
  /** The last attempt's full output (`attempt-<n>.log` in the task's data folder). */
  logPath?: string;
  /** Bounded tail of the output: enough to read an error, never enough to bloat history. */
  outputTail?: string;
  /** How much the agent printed in all. */
  outputBytes?: number;
  /** The prompt the agent was given (`prompt-<n>.md` beside the log). */
  promptPath?: string;
  /** The agent kind that ran it (shell, claude, codex, ...). */
  agent?: string;
  /** Tokens and cost over all its attempts, when its agent reports them. */
  usage?: Usage;
  /** The agent's closing message (bounded): what dependents' prompts say this task did. */
  summary?: string;
  /** One entry per check run after the agent, in order. */
  validation?: ValidationRecord[];
  /** Full output of the checks (`validation-<n>.log`). */
  validationLogPath?: string;
  /** Best of N: every candidate, the one kept and why the others were not. */
  candidates?: CandidateStatus[];
  /** Git mode: the task's commit and what it changed. */
  commit?: TaskCommit;
  /** Git mode: files that conflicted when the task was integrated. */
  conflictFiles?: string[];
  /** Git mode: a worktree kept for inspection (failed or conflicted task). */
  worktree?: string;
  /** The structured output the task left in TODONE_OUTPUT (bounded JSON); dependents get it. */
  output?: unknown;
  /** An aggregate task: how its dependencies' outputs were combined (conflicts, votes). */
  aggregation?: AggregateReport;
  /** A review (a task with `reviews`): what it decided about the work it read. */
  verdict?: ReviewVerdict;
  /**
   * Where each attempt ran and left its log, oldest first, the last MAX_RUNS only: on a fleet
   * every attempt may land on another machine, and its log stays on that machine's disk.
   */
  runs?: AttemptRun[];
  /** A cached task (`cache: true`): its key, and whether its result was read from the cache. */
  cache?: TaskCacheRecord;
}

/** What the result cache did for a task (activities/cache/). */
export interface TaskCacheRecord {
  /** The task's cache key (SHA-256 of every input it names, hex); absent when none could be made (see note). */
  key?: string;
  /** The result was read from the cache: the agent did not run, `saved` says what that spared. */
  hit?: boolean;
  saved?: CacheSaving;
  /** Why the cache was not read or not written, when that is worth saying (a damaged entry, say). */
  note?: string;
}

/** What a cache hit spared: the time and spend of the run whose result it replayed, and where that ran. */
export interface CacheSaving {
  durationMs: number;
  usage?: Usage;
  /** The board and task that ran it, and when it was stored (epoch ms). */
  boardId: string;
  taskId: string;
  at: number;
}

/** One attempt of the task activity: the worker that ran it and its log on that worker's disk. */
export interface AttemptRun {
  /** The activity's attempt number (counting restarts from 1 in each conflict round or candidate). */
  attempt: number;
  /** The worker's identity, `<pid>@<hostname>#<id>`: the machine and the process. */
  host: string;
  /** The attempt's log, a path on that host. */
  log: string;
  startedAt?: number;
  /** Unset for an attempt whose worker died or that is still running. */
  endedAt?: number;
  /** What this attempt's agent reported spending. */
  usage?: Usage;
}

/** Enough attempts to see where a task keeps failing, few enough to keep payloads small. */
export const MAX_RUNS = 10;

/** `runs` combined, oldest first, bounded to the last MAX_RUNS. */
export function keepRuns(...lists: (readonly AttemptRun[] | undefined)[]): AttemptRun[] | undefined {
  const all = lists.flatMap((list) => list ?? []);
  return all.length ? all.slice(-MAX_RUNS) : undefined;
}

export interface ValidationRecord {
  command: string;
  passed: boolean;
  required: boolean;
  /** null when the command was killed by a signal or could not start. */
  exitCode: number | null;
  durationMs: number;
}

export interface CandidateStatus {
  id: string;
  agent: string;
  state: 'chosen' | 'discarded' | 'failed' | 'cancelled';
  changedLines?: number;
  usage?: Usage;
  reason?: string;
  /** A failed candidate's worktree kept for inspection. */
  worktree?: string;
}

/** A review's answer: `changes` sends the reviewed tasks back with the comment. */
export interface ReviewVerdict {
  verdict: 'approve' | 'changes';
  /** What the reviewer said (at most LIMITS.comment characters). */
  comment?: string;
}

export interface TaskCommit {
  sha: string;
  branch: string;
  /**
   * Where the integration branch was before and after this commit was integrated: `git diff
   * from to` is what the task brought in, whatever the strategy (what a review of it reads).
   */
  integrated?: { from: string; to: string };
  changed: boolean;
  files: number;
  /** The first changed paths (at most 50): dependents' prompts list them. */
  paths: string[];
  insertions: number;
  deletions: number;
}

/** What every heartbeat of the task activity carries under `facts` (activities/attempt-facts.ts). */
export interface CarriedFacts {
  /** Usage of every attempt so far, the current one's included once its agent has reported. */
  usage?: Usage;
  runs?: AttemptRun[];
}

/**
 * The facts in a previous attempt's heartbeat details, checked rather than cast: details from a
 * version of Todone that kept them on disk, or from a heartbeat before any facts, give none.
 */
export function carriedFacts(details: unknown): CarriedFacts {
  const facts = isObject(details) ? details.facts : undefined;
  if (!isObject(facts)) return {};
  const usage = isUsage(facts.usage) ? facts.usage : undefined;
  const runs = Array.isArray(facts.runs) ? keepRuns(facts.runs.filter(isRun)) : undefined;
  return { ...(usage ? { usage } : {}), ...(runs ? { runs } : {}) };
}

/** What adds up across the stages of one task, whichever stage's facts are kept. */
export type Spend = Pick<TaskOutcome, 'attempts' | 'usage' | 'runs'>;

/**
 * The one way stages of a task combine (attempts of an activity, conflict rounds, candidates):
 * `later` tells what the task produced, attempts and usage are totalled with `earlier`, and the
 * runs of both are listed (the last MAX_RUNS).
 */
export function accumulate(earlier: Spend | undefined, later: TaskOutcome): TaskOutcome {
  if (!earlier) return later;
  const usage = addUsage(earlier.usage, later.usage);
  const runs = keepRuns(earlier.runs, later.runs);
  return {
    ...later,
    attempts: earlier.attempts + later.attempts,
    ...(usage ? { usage } : {}),
    ...(runs ? { runs } : {}),
  };
}

/** Attempts, usage and runs of several stages, e.g. every candidate of a best-of-N round. */
export function totalSpend(stages: readonly Spend[]): Spend {
  return stages.reduce<Spend>(
    (sum, s) =>
      accumulate(sum, {
        attempts: s.attempts,
        ...(s.usage ? { usage: s.usage } : {}),
        ...(s.runs ? { runs: s.runs } : {}),
      }),
    { attempts: 0 },
  );
}

/** 'any': whatever JSON the task left. */
type FieldType = 'number' | 'string' | 'object' | 'any';

/** Every field's JSON type. A Record over keyof TaskOutcome: a new field that is missing here does not compile. */
const FIELD_TYPES: Record<keyof TaskOutcome, FieldType> = {
  attempts: 'number',
  durationMs: 'number',
  exitCode: 'number',
  reason: 'string',
  logPath: 'string',
  outputTail: 'string',
  outputBytes: 'number',
  promptPath: 'string',
  agent: 'string',
  usage: 'object',
  summary: 'string',
  validation: 'object',
  validationLogPath: 'string',
  candidates: 'object',
  commit: 'object',
  conflictFiles: 'object',
  worktree: 'string',
  output: 'any',
  aggregation: 'object',
  verdict: 'object',
  runs: 'object',
  cache: 'object',
};

/**
 * Reads a TaskOutcome that crossed a payload boundary (an activity failure's details): the shape
 * is checked, not assumed, so a failure from elsewhere is never mistaken for one.
 */
export function asTaskOutcome(value: unknown): TaskOutcome | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const fields: [string, unknown][] = Object.entries(value);
  const attempts = fields.find(([key]) => key === 'attempts')?.[1];
  if (typeof attempts !== 'number' || !Number.isInteger(attempts) || attempts < 0) return undefined;
  for (const [key, field] of fields) {
    const type = (FIELD_TYPES as Record<string, FieldType | undefined>)[key];
    if (type !== undefined && type !== 'any' && field !== undefined && field !== null && typeof field !== type)
      return undefined;
  }
  return value as TaskOutcome;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isUsage(value: unknown): value is Usage {
  return isObject(value) && typeof value.inputTokens === 'number' && typeof value.outputTokens === 'number';
}

function isRun(value: unknown): value is AttemptRun {
  return (
    isObject(value) &&
    typeof value.attempt === 'number' &&
    typeof value.host === 'string' &&
    typeof value.log === 'string'
  );
}
