/**
 * A task as written becomes a TaskSpec: the board's defaults applied (agent by type, checks,
 * retry, timeouts, confinement, capabilities), shorthands read, durations in milliseconds. Pure,
 * so the loader uses it for a board's tasks and the workflow for tasks added while the board runs,
 * with the same rules and the same words. Paths (an agent's `bin`) are resolved by the caller,
 * which knows where they start.
 */
import type {
  AgentConfinement,
  AgentSpec,
  ApprovalSpec,
  BoardDefaults,
  NetworkPolicy,
  RetrySpec,
  TaskSpec,
  TaskType,
  ValidateSpec,
} from '../core/board.js';
import { CHANGING_TASK_TYPES, DEFAULT_REVIEW_ROUNDS, DEFAULTS, TASK_TYPES } from '../core/board.js';
import { normaliseCapabilities } from '../core/capabilities.js';
import { formatDuration } from '../core/duration.js';
import { formatAllowEntry, parseAllowEntry } from '../core/network-policy.js';
import { buildCache } from './cache-spec.js';
import type { BoardIssue, PathSegment } from './format.js';
import type { RawAgent, RawApproval, RawBoard, RawRetry, RawTask, RawValidateEntry } from './schema.js';

/** A path the board names, made absolute, or why it cannot be. */
export type ResolvePath = (written: string) => string | { problem: string };

export interface TaskBuild {
  defaults: BoardDefaults;
  resolvePath: ResolvePath;
  /** Problems are added here, with their paths in the board. */
  issues: BoardIssue[];
}

/** The board-level settings tasks inherit, normalised once. */
export function boardDefaults(raw: RawBoard, baseDir: string, resolvePath: ResolvePath, issues: BoardIssue[]) {
  const agent = (written: RawAgent | undefined, at: PathSegment[]) =>
    written === undefined ? undefined : buildAgent(written, resolvePath, at, issues);
  const byType = <T, U>(mapping: Partial<Record<TaskType, T>> | undefined, each: (value: T, type: TaskType) => U) =>
    mapping === undefined
      ? undefined
      : (Object.fromEntries(
          Object.entries(mapping).map(([type, value]) => [type, each(value, type as TaskType)]),
        ) as Partial<Record<TaskType, U>>);
  const retry = raw.retry ? retrySpec(raw.retry) : undefined;
  const defaults: BoardDefaults = {
    baseDir,
    git: raw.repo !== undefined || raw.remote !== undefined,
    ...(raw.agent ? { agent: agent(raw.agent, ['agent'])! } : {}),
    ...(raw.agents ? { agents: byType(raw.agents, (a, type) => agent(a, ['agents', type])!) } : {}),
    ...(raw.validators ? { validators: byType(raw.validators, (list) => list.map(buildValidate)) } : {}),
    ...(retry ? { retry } : {}),
    ...(raw.timeout !== undefined ? { timeoutMs: raw.timeout } : {}),
    ...(raw.heartbeatTimeout !== undefined ? { heartbeatTimeoutMs: raw.heartbeatTimeout } : {}),
    ...(raw.idleTimeout !== undefined ? { idleTimeoutMs: raw.idleTimeout } : {}),
    ...(raw.sandbox !== undefined ? { sandbox: raw.sandbox } : {}),
    ...(raw.network !== undefined ? { network: raw.network } : {}),
    ...(raw.writable?.length ? { writable: raw.writable } : {}),
    ...(raw.passEnv?.length ? { passEnv: raw.passEnv } : {}),
    ...(raw.requires !== undefined ? { requires: raw.requires } : {}),
    ...(raw.expectChanges !== undefined ? { expectChanges: raw.expectChanges } : {}),
    ...(raw.cache !== undefined ? { cache: raw.cache } : {}),
    ...(raw.inputs !== undefined ? { inputs: raw.inputs } : {}),
    ...(raw.cacheEnv !== undefined ? { cacheEnv: raw.cacheEnv } : {}),
    ...(raw.approval !== undefined ? { approval: boardApproval(raw.approval) } : {}),
  };
  return defaults;
}

export function buildTask(task: RawTask, index: number, build: TaskBuild): TaskSpec {
  const { defaults, issues } = build;
  if (task.aggregate !== undefined) return buildAggregateTask(task, index, build);
  const type = task.type ?? 'generic';
  const confinement = buildConfinement(task, index, defaults, issues);
  // The task's own agent, then the board's agent for its type, then the board's default.
  const agent = task.agent
    ? buildAgent(task.agent, build.resolvePath, ['tasks', index, 'agent'], issues)
    : (defaults.agents?.[type] ?? defaults.agent);
  const agentAt = task.agent ? ['tasks', index, 'agent'] : defaults.agents?.[type] ? ['agents', type] : ['agent'];
  if (agent) checkTmpdir(agent, agentAt, confinement, issues);
  return {
    id: task.id,
    description: task.description ?? '',
    type,
    dependsOn: [...new Set(task.dependsOn ?? [])],
    // A missing agent was already reported by checkBoard; the placeholder never leaves the loader.
    agent: agent ? { ...agent, ...confinement } : placeholderAgent(),
    estimateMs: task.estimate ?? DEFAULTS.estimateMs,
    priority: task.priority ?? DEFAULTS.priority,
    retry: buildRetry(task.retry, defaults.retry, ['tasks', index, 'retry'], issues),
    timeoutMs: task.timeout ?? defaults.timeoutMs ?? DEFAULTS.timeoutMs,
    heartbeatTimeoutMs: task.heartbeatTimeout ?? defaults.heartbeatTimeoutMs ?? DEFAULTS.heartbeatTimeoutMs,
    ...((task.idleTimeout ?? defaults.idleTimeoutMs) !== undefined
      ? { idleTimeoutMs: (task.idleTimeout ?? defaults.idleTimeoutMs)! }
      : {}),
    validate: [...(defaults.validators?.[type] ?? []), ...(task.validate ?? []).map(buildValidate)],
    ...(task.budget ? { budget: task.budget } : {}),
    ...buildCandidates(task, index, build, confinement),
    ...requires(task, type, defaults),
    // Only a git board can tell what a task changed.
    ...(defaults.git ? { expectChanges: expectChanges(task, type, defaults) } : {}),
    ...buildCache(task, index, type, defaults, issues),
    ...approval(task, type, defaults),
    ...review(task),
  };
}

/** A review depends on the tasks it reviews (their dependents wait for it: see src/core/reviews.ts). */
function review(task: RawTask): Pick<TaskSpec, 'reviews' | 'maxRounds' | 'dependsOn'> | object {
  if (!task.reviews) return {};
  const reviews = [...new Set(task.reviews)];
  return {
    reviews,
    maxRounds: task.maxRounds ?? DEFAULT_REVIEW_ROUNDS,
    dependsOn: [...new Set([...(task.dependsOn ?? []), ...reviews])],
  };
}

/** The task's own gate (or `none`), then the board's for its type, then the board's for all. */
function approval(task: RawTask, type: TaskType, defaults: BoardDefaults): Pick<TaskSpec, 'approval'> {
  const boardSetting = defaults.approval;
  const forBoard =
    boardSetting === undefined || boardSetting === false || isGate(boardSetting) ? boardSetting : boardSetting[type];
  const gate = task.approval !== undefined ? approvalSpec(task.approval) : forBoard;
  return gate ? { approval: gate } : {};
}

function isGate(value: NonNullable<BoardDefaults['approval']>): value is ApprovalSpec {
  return typeof value === 'object' && 'before' in value;
}

/** The board's `approval`, normalised: one gate (or none) for every task, or one per type. */
function boardApproval(raw: Exclude<RawBoard['approval'], undefined>): NonNullable<BoardDefaults['approval']> {
  // The schema read a mapping keyed by task types as the per-type form, anything else as one gate.
  if (raw === null || !Object.keys(raw).some((key) => (TASK_TYPES as readonly string[]).includes(key)))
    return approvalSpec(raw as RawApproval);
  return Object.fromEntries(
    Object.entries(raw as Partial<Record<TaskType, RawApproval>>).map(([type, gate]) => [
      type,
      approvalSpec(gate ?? null),
    ]),
  );
}

function approvalSpec(raw: RawApproval): ApprovalSpec | false {
  if (raw === null) return false;
  return {
    before: raw.before ?? false,
    ...(raw.timeout !== undefined ? { timeoutMs: raw.timeout, onTimeout: raw.onTimeout ?? 'fail' } : {}),
  };
}

/**
 * A task that combines its dependencies' outputs: no agent of its own, nothing to change in a
 * worktree. A `reduce` command runs like a shell task (supervised, logged, retried), the others
 * are computed by the workflow itself.
 */
function buildAggregateTask(task: RawTask, index: number, { defaults, issues }: TaskBuild): TaskSpec {
  const aggregate = task.aggregate!;
  const command = typeof aggregate === 'object' ? aggregate.reduce : 'true';
  return {
    id: task.id,
    description: task.description ?? '',
    type: task.type ?? 'analyze',
    dependsOn: [...new Set(task.dependsOn ?? [])],
    // A reduce command is the board's own shell code, reading its dependencies' outputs: confined like any task.
    agent: { kind: 'shell', command, env: {}, ...buildConfinement(task, index, defaults, issues) },
    estimateMs: task.estimate ?? (typeof aggregate === 'object' ? DEFAULTS.estimateMs : 0),
    priority: task.priority ?? DEFAULTS.priority,
    retry: buildRetry(task.retry, defaults.retry, ['tasks', index, 'retry'], issues),
    timeoutMs: task.timeout ?? defaults.timeoutMs ?? DEFAULTS.timeoutMs,
    heartbeatTimeoutMs: task.heartbeatTimeout ?? defaults.heartbeatTimeoutMs ?? DEFAULTS.heartbeatTimeoutMs,
    validate: [],
    aggregate: typeof aggregate === 'object' ? { reduce: aggregate.reduce } : aggregate,
    // Only a reduce command runs on a worker; concat, merge and vote are computed by the workflow.
    ...(typeof aggregate === 'object' ? requires(task, task.type ?? 'analyze', defaults) : {}),
    ...(defaults.git ? { expectChanges: false } : {}),
    ...buildCache(task, index, task.type ?? 'analyze', defaults, issues),
    ...approval(task, task.type ?? 'analyze', defaults),
  };
}

/** The task's own setting, then the board's for its type, then the board's for all, then the type's default. */
function expectChanges(task: RawTask, type: TaskType, defaults: BoardDefaults): boolean {
  const boardSetting = defaults.expectChanges;
  const forType = typeof boardSetting === 'object' ? boardSetting[type] : boardSetting;
  return task.expectChanges ?? forType ?? CHANGING_TASK_TYPES.includes(type);
}

/**
 * The task's own list replaces the board's (so `requires: []` lets one task run anywhere), then the
 * board's for its type, then the board's for all. Sorted and without repeats, so one set always
 * names one queue; absent when empty, so a plain task's activity options stay what they were.
 */
function requires(task: RawTask, type: TaskType, defaults: BoardDefaults): Pick<TaskSpec, 'requires'> {
  const boardSetting = defaults.requires;
  const forType = boardSetting === undefined || Array.isArray(boardSetting) ? boardSetting : boardSetting[type];
  const names = normaliseCapabilities(task.requires ?? forType ?? []);
  return names.length > 0 ? { requires: names } : {};
}

/** Best of N: several agents try the task side by side in their own worktrees; one result is kept. */
function buildCandidates(
  task: RawTask,
  index: number,
  { defaults, resolvePath, issues }: TaskBuild,
  confinement: AgentConfinement,
): Pick<TaskSpec, 'candidates'> {
  const given = task.attempts;
  if (!given) return {};
  const at: PathSegment[] = ['tasks', index, 'attempts'];
  const count = given.count ?? given.agents?.length ?? 0;
  if (count < 2) {
    issues.push({ at, message: 'best of N needs at least 2 candidates (a count, or a list of agents)' });
    return {};
  }
  if (!defaults.git) {
    issues.push({
      at,
      message: 'best of N runs candidates in separate worktrees: the board needs a repo or a remote',
    });
    return {};
  }
  return {
    candidates: {
      count,
      agents: (given.agents ?? []).map((a, j) => {
        const agent = buildAgent(a, resolvePath, [...at, 'agents', j], issues);
        checkTmpdir(agent, [...at, 'agents', j], confinement, issues);
        return { ...agent, ...confinement };
      }),
      pick: given.pick ?? 'first',
    },
  };
}

/**
 * The task's setting, then the board's; confined by default, so an agent cannot write outside its
 * folder unless the board says `sandbox: none`. `writable` and `passEnv` add the task's list to the
 * board's; `network` is the task's or else the board's. Where the `writable` folders may be is the
 * loader's check (check-sandbox.ts), on the machine that has them, and the worker's again.
 */
function buildConfinement(
  task: RawTask,
  index: number,
  defaults: BoardDefaults,
  issues: BoardIssue[],
): AgentConfinement {
  const sandbox = task.sandbox ?? defaults.sandbox ?? 'worktree';
  const given = task.network ?? defaults.network;
  if (given !== undefined && given !== true && sandbox === 'none') {
    issues.push({
      at: task.network !== undefined ? ['tasks', index, 'network'] : ['network'],
      message:
        given === false
          ? 'network: false needs sandbox: worktree (only a confined task can have its network cut)'
          : 'network: { allow } needs sandbox: worktree (an unconfined task has the host network, all of it)',
    });
  }
  const network = normaliseNetwork(given);
  const writable = [...new Set([...(defaults.writable ?? []), ...(task.writable ?? [])])];
  const passEnv = [...new Set([...(defaults.passEnv ?? []), ...(task.passEnv ?? [])])];
  return {
    sandbox,
    ...(network !== undefined ? { network } : {}),
    ...(writable.length > 0 ? { writable } : {}),
    ...(passEnv.length > 0 ? { passEnv } : {}),
  };
}

/** `{ allow: [] }` is the default itself; entries are kept in the form the worker compares. */
function normaliseNetwork(given: NetworkPolicy | undefined): NetworkPolicy | undefined {
  if (typeof given !== 'object') return given;
  const allow = [
    ...new Set(
      given.allow.map((entry) => {
        const parsed = parseAllowEntry(entry);
        return 'problem' in parsed ? entry : formatAllowEntry(parsed);
      }),
    ),
  ];
  return allow.length > 0 ? { allow } : undefined;
}

/** A confined task's temp is Todone's: a TMPDIR of the board's would only widen what it may write. */
function checkTmpdir(agent: AgentSpec, at: PathSegment[], confinement: AgentConfinement, issues: BoardIssue[]): void {
  if (confinement.sandbox !== 'worktree' || agent.env.TMPDIR === undefined) return;
  issues.push({
    at: [...at, 'env', 'TMPDIR'],
    message:
      'a confined task gets its own private /tmp (TMPDIR=/tmp), emptied when it ends: remove TMPDIR. ' +
      'Files for later tasks go in $TODONE_SHARED_DIR; a folder a tool must write goes in `writable:`',
  });
}

function buildAgent(agent: RawAgent, resolvePath: ResolvePath, at: PathSegment[], issues: BoardIssue[]): AgentSpec {
  // References stay references: their values are read on the worker, never stored in the board.
  const env = { ...agent.env };
  switch (agent.kind) {
    case 'shell':
      return { kind: 'shell', command: agent.command, env };
    case 'custom':
      return { kind: 'custom', command: [...agent.command], env };
    default:
      return {
        kind: agent.kind,
        ...(agent.model ? { model: agent.model } : {}),
        args: [...(agent.args ?? [])],
        env,
        ...(agent.bin ? { bin: binPath(agent.bin, resolvePath, [...at, 'bin'], issues) } : {}),
        ...(agent.permissive !== undefined ? { permissive: agent.permissive } : {}),
      };
  }
}

/** A path is the user's, relative to the board file; a bare name is looked up on PATH where the agent runs. */
function binPath(bin: string, resolvePath: ResolvePath, at: PathSegment[], issues: BoardIssue[]): string {
  if (!bin.includes('/')) return bin;
  const resolved = resolvePath(bin);
  if (typeof resolved === 'string') return resolved;
  issues.push({ at, message: resolved.problem });
  return bin;
}

function buildValidate(entry: RawValidateEntry): ValidateSpec {
  return { run: entry.run, required: entry.required ?? true };
}

function placeholderAgent(): AgentSpec {
  return { kind: 'shell', command: [], env: {} };
}

function retrySpec(raw: RawRetry): Partial<RetrySpec> {
  return {
    ...(raw.maxAttempts !== undefined ? { maxAttempts: raw.maxAttempts } : {}),
    ...(raw.initialInterval !== undefined ? { initialIntervalMs: raw.initialInterval } : {}),
    ...(raw.backoffCoefficient !== undefined ? { backoffCoefficient: raw.backoffCoefficient } : {}),
    ...(raw.maxInterval !== undefined ? { maxIntervalMs: raw.maxInterval } : {}),
  };
}

/** Each retry field falls back on its own: a task can raise maxAttempts and keep the board's intervals. */
function buildRetry(
  task: RawRetry | undefined,
  board: Partial<RetrySpec> | undefined,
  taskPath: PathSegment[],
  issues: BoardIssue[],
): RetrySpec {
  const initialIntervalMs = task?.initialInterval ?? board?.initialIntervalMs ?? DEFAULTS.retry.initialIntervalMs;
  const givenMax = task?.maxInterval ?? board?.maxIntervalMs;
  // Temporal rejects maxInterval < initialInterval; an unset maximum simply stretches to fit.
  const maxIntervalMs = givenMax ?? Math.max(DEFAULTS.retry.maxIntervalMs, initialIntervalMs);
  if (givenMax !== undefined && givenMax < initialIntervalMs) {
    const at = task?.maxInterval !== undefined ? [...taskPath, 'maxInterval'] : ['retry', 'maxInterval'];
    issues.push({
      at,
      message: `maxInterval (${formatDuration(givenMax)}) must not be shorter than initialInterval (${formatDuration(initialIntervalMs)})`,
    });
  }
  return {
    maxAttempts: task?.maxAttempts ?? board?.maxAttempts ?? DEFAULTS.retry.maxAttempts,
    initialIntervalMs,
    backoffCoefficient: task?.backoffCoefficient ?? board?.backoffCoefficient ?? DEFAULTS.retry.backoffCoefficient,
    maxIntervalMs,
  };
}
