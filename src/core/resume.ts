/**
 * Resume, not restart: a board run again keeps every task its last run finished that succeeded and
 * has not changed since, as long as everything it depends on is kept too (a cached task is looked
 * up in the cache instead).
 * Pure, so the workflow decides it (any client can ask for a resume by handing over the previous
 * run's task statuses).
 */
import type { BoardSpec, TaskSpec } from './board.js';
import { topologicalOrder, buildGraph } from './graph.js';
import { canonicalJson } from './canonical-json.js';
import { formatCount, LIMITS } from './limits.js';
import { asTaskOutcome } from './outcome.js';
import { TASK_STATES, type TaskStatus } from './run-state.js';

/**
 * The parts of a task that decide what it produces, as a short hash. Scheduling knobs (estimate,
 * priority, retry, timeouts, budget) are left out: changing them does not change the work.
 * Where the work happens (workdir, repository, base branch) is in.
 */
export function taskDefinition(board: Pick<BoardSpec, 'workdir' | 'git'>, task: TaskSpec): string {
  const {
    estimateMs: _e,
    priority: _p,
    retry: _r,
    timeoutMs: _t,
    heartbeatTimeoutMs: _h,
    idleTimeoutMs: _i,
    budget: _b,
    // Whether the result may come from the cache says nothing of the work itself.
    cache: _c,
    ...work
  } = task;
  const where = { workdir: board.workdir, repo: board.git?.repo, base: board.git?.base };
  return hash(canonicalJson({ where, work: { ...work, dependsOn: [...work.dependsOn].sort() } }));
}

export function taskDefinitions(board: Pick<BoardSpec, 'workdir' | 'git' | 'tasks'>): Map<string, string> {
  return new Map(board.tasks.map((task) => [task.id, taskDefinition(board, task)]));
}

export interface ResumePlan {
  /** Statuses of the tasks kept, marked `kept`, to seed the new run with. */
  kept: TaskStatus[];
  /** Tasks that succeeded before but run again, and why. */
  rerun: { id: string; why: string }[];
  /**
   * Unchanged tasks that succeeded before and are cached: not kept but looked up in the cache again,
   * since the key names inputs (files, variables) a definition does not.
   */
  cached: string[];
}

/**
 * Which of the previous run's tasks the new run keeps. A task is kept when it succeeded, its
 * definition is what it was, and every task it depends on is kept (a dependency that runs again
 * may produce something else, so its dependents run again too).
 */
export function planResume(
  board: BoardSpec,
  previous: readonly TaskStatus[],
  define = (task: TaskSpec) => taskDefinition(board, task),
): ResumePlan {
  const before = new Map(previous.map((t) => [t.id, t]));
  const keptIds = new Set<string>();
  const kept: TaskStatus[] = [];
  const rerun: ResumePlan['rerun'] = [];
  const cached: string[] = [];
  const graph = buildGraph(board.tasks);
  for (const id of topologicalOrder(graph)) {
    const old = before.get(id);
    if (!old || old.state !== 'succeeded') continue;
    const task = graph.byId.get(id)!;
    if (old.definition === undefined || old.definition !== define(task as TaskSpec)) {
      rerun.push({ id, why: 'its definition changed' });
      continue;
    }
    if ((task as TaskSpec).cache) {
      cached.push(id);
      continue;
    }
    const changedDep = task.dependsOn.find((dep) => !keptIds.has(dep));
    if (changedDep !== undefined) {
      rerun.push({ id, why: `its dependency "${changedDep}" runs again` });
      continue;
    }
    keptIds.add(id);
    kept.push({ ...old, kept: true });
  }
  // Decided in dependency order, reported in board order.
  const order = new Map(board.tasks.map((t, i) => [t.id, i]));
  const byBoardOrder = (a: { id: string }, b: { id: string }) => order.get(a.id)! - order.get(b.id)!;
  return {
    kept: kept.sort(byBoardOrder),
    rerun: rerun.sort(byBoardOrder),
    cached: cached.sort((a, b) => order.get(a)! - order.get(b)!),
  };
}

const BOARD_END_STATES = ['completed', 'failed', 'cancelled'];

/**
 * A resume handed over by any client is read, not trusted: the previous run's result `tasks` (each
 * a TaskStatus with an id, a state and an outcome of the right types), and optionally its run id
 * and state. Returns every problem with its path under `resume`; empty when it can be used.
 */
export function resumeProblems(resume: unknown): { path: string; message: string }[] {
  if (!isObject(resume))
    return [{ path: 'resume', message: "expected { tasks: [...] }: the tasks of the run's result to resume" }];
  const problems: { path: string; message: string }[] = [];
  // JSON clients often send null for what they leave out: the same as absent.
  if (resume.runId != null && typeof resume.runId !== 'string')
    problems.push({ path: 'resume.runId', message: 'expected the run id of the run resumed (a string)' });
  if (resume.state != null && !BOARD_END_STATES.includes(resume.state as string))
    problems.push({ path: 'resume.state', message: `expected one of ${BOARD_END_STATES.join(', ')}` });
  if (!Array.isArray(resume.tasks)) {
    problems.push({ path: 'resume.tasks', message: "expected a list: the `tasks` of the resumed run's result" });
    return problems;
  }
  if (resume.tasks.length > LIMITS.tasks)
    problems.push({ path: 'resume.tasks', message: `at most ${formatCount(LIMITS.tasks)} tasks` });
  resume.tasks.slice(0, LIMITS.tasks).forEach((task: unknown, i) => {
    const at = `resume.tasks[${i}]`;
    if (!isObject(task) || typeof task.id !== 'string')
      problems.push({ path: at, message: 'expected a task status with an id (a string)' });
    else if (!(TASK_STATES as readonly unknown[]).includes(task.state))
      problems.push({ path: `${at}.state`, message: `expected one of ${TASK_STATES.join(', ')}` });
    else if (task.definition !== undefined && typeof task.definition !== 'string')
      problems.push({ path: `${at}.definition`, message: 'expected the hash the run recorded (a string)' });
    else if (asTaskOutcome(task) === undefined)
      problems.push({
        path: at,
        message: 'expected a task status as a result holds it (attempts, reason, ... of their types)',
      });
  });
  return problems;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A kept task's commit, to replay onto a rebuilt integration branch (git boards). */
export interface ReplayCommit {
  taskId: string;
  sha: string;
  /** Its dependencies that are replayed too: when one of them cannot be, neither can it. */
  dependsOn: string[];
}

/**
 * Git boards: the integration branch an earlier run left holds the work of every task it
 * integrated. When one of those is not kept (it changed, a dependency of it changed, it left the
 * board), its old work must not stay: the branch is built again from base with the kept tasks'
 * commits, in the order they were integrated. Undefined when the branch can be kept as it is.
 */
export function integrationRebuild(
  board: Pick<BoardSpec, 'tasks'>,
  previous: readonly TaskStatus[],
  plan: ResumePlan,
): ReplayCommit[] | undefined {
  const keptIds = new Set(plan.kept.map((t) => t.id));
  const stale = previous.some((t) => t.state === 'succeeded' && t.commit?.changed && !keptIds.has(t.id));
  if (!stale) return undefined;
  const replayed = plan.kept.filter((t) => t.commit?.changed);
  const replayedIds = new Set(replayed.map((t) => t.id));
  const dependsOn = new Map(board.tasks.map((t) => [t.id, t.dependsOn]));
  // A task ends after its turn in the merge queue: the order they ended is the order they were integrated.
  return replayed
    .map((t, i) => ({ t, i }))
    .sort((a, b) => (a.t.endedAt ?? 0) - (b.t.endedAt ?? 0) || a.i - b.i)
    .map(({ t }) => ({
      taskId: t.id,
      sha: t.commit!.sha,
      dependsOn: (dependsOn.get(t.id) ?? []).filter((dep) => replayedIds.has(dep)),
    }));
}

/** cyrb53 twice with different seeds: 106 bits, no Node crypto (workflow code may not import it). */
function hash(text: string): string {
  return (
    cyrb53(text, 0x9e3779b9).toString(16).padStart(14, '0') + cyrb53(text, 0x85ebca6b).toString(16).padStart(14, '0')
  );
}

/**
 * Held here, not looked up as `Math.imul` per character: in the workflow's V8 context every global
 * lookup goes through the context's interceptors, which made hashing a task's definition 90 times
 * slower there than here (the workflow thread spent 5.7 s of a 10,000-task board in it).
 */
const imul = Math.imul;

function cyrb53(text: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = imul(h1 ^ ch, 2654435761);
    h2 = imul(h2 ^ ch, 1597334677);
  }
  h1 = imul(h1 ^ (h1 >>> 16), 2246822507) ^ imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = imul(h2 ^ (h2 >>> 16), 2246822507) ^ imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}
