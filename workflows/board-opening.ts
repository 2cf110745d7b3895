/**
 * A run before its board is known: a board sent as a document is normalised by an activity, and
 * until it is, the workflow already answers (its queries say `starting`). What the contract
 * forbids is refused here with InvalidBoard: no `baseDir`, or a relative one (it would resolve
 * against a worker's current folder), a workflow id that is not `todone-board-<board id>` (one
 * running board per id, and Todone's commands find boards by it), a `resume` that is not a run's
 * task statuses. An invalid board answers with its problems ever after and is searchable as
 * failed (TodoneState).
 */
import { ActivityFailure, ApplicationFailure, patched, workflowInfo } from '@temporalio/workflow';
import { DEFAULTS, isSafeId, slugify, type BoardSpec } from '../src/core/board.js';
import { LIMITS } from '../src/core/limits.js';
import { resumeProblems } from '../src/core/resume.js';
import { controlCharacterProblem, quoted } from '../src/core/rules.js';
import { countTasks, type BoardProblems, type BoardStatus } from '../src/core/run-state.js';
import { boardActivities } from './activity-options.js';
import { boardWorkflowId, FAILURE_TYPES, type BoardWorkflowInput } from './api.js';
import { publishFinalState } from './final-state-attribute.js';

/**
 * The checks of the workflow input that earlier versions did not make: histories they recorded
 * replay without them (a board started with a relative baseDir kept resolving it as it did).
 */
export const CONTRACT_CHECKS_PATCH = 'todone-contract-checks';

export class BoardOpening {
  readonly startedAt = Date.now();
  /** Set when the board turned out invalid: it never starts. */
  problems: BoardProblems | undefined;
  /** A cancellation that came before the board was known, applied as soon as it is. */
  cancelled: string | undefined;
  readonly taskCancels: { taskId: string; reason: string }[] = [];

  constructor(private readonly input: BoardWorkflowInput) {}

  /** The board: the one Todone's clients sent, or the document normalised by the loader's rules on a worker. */
  async board(): Promise<BoardSpec> {
    const { input } = this;
    if (patched(CONTRACT_CHECKS_PATCH)) {
      const problems = contractProblems(input, workflowInfo().workflowId);
      if (problems.length > 0) this.refuse({ source: 'the workflow input', issues: problems });
    }
    if (input.board !== undefined) return input.board;
    if (input.document === undefined) {
      this.refuse({
        source: 'the workflow input',
        issues: [{ path: '', message: 'give `document` (the board as written) and `baseDir`' }],
      });
    }
    try {
      return await boardActivities().normaliseBoard({
        document: input.document,
        baseDir: input.baseDir ?? '/',
        source: 'the board document',
        ...(input.overrides?.maxParallel !== undefined ? { maxParallel: input.overrides.maxParallel } : {}),
        ...(input.overrides?.policy !== undefined ? { policy: input.overrides.policy } : {}),
      });
    } catch (error) {
      const problems = invalidBoardDetails(error);
      if (problems) this.fail(problems);
      throw error;
    }
  }

  /** What the `status` query answers before the board is known, and ever after for an invalid board. */
  status(): BoardStatus {
    const boardId = this.boardId();
    const name = nameIn(this.input.document) ?? boardId;
    const overrides = this.input.overrides;
    return {
      boardId,
      name,
      policy: overrides?.policy === 'waves' ? 'waves' : 'eager',
      maxParallel: DEFAULTS.maxParallel,
      state: this.problems ? 'failed' : 'starting',
      startedAt: this.startedAt,
      ...(this.problems ? { endedAt: this.startedAt, invalid: this.problems } : {}),
      counts: countTasks([]),
      seq: 0,
      tasks: [],
    };
  }

  /** The board's id as the workflow id says it (the id a valid board must have). */
  private boardId(): string {
    const workflowId = workflowInfo().workflowId;
    const prefix = boardWorkflowId('');
    return workflowId.startsWith(prefix) ? workflowId.slice(prefix.length) : workflowId;
  }

  private refuse(problems: BoardProblems): never {
    this.fail(problems);
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.invalidBoard,
      nonRetryable: true,
      message: `${problems.source} is invalid (${problems.issues.length} problem${problems.issues.length === 1 ? '' : 's'}):\n${problems.issues.map((i) => `  ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n')}`,
      details: [problems],
    });
  }

  /** The board never starts: queries say why, and visibility queries find it among the failed. */
  private fail(problems: BoardProblems): void {
    this.problems = problems;
    publishFinalState('failed');
  }
}

/** What the contract forbids in the workflow input, each with its path. */
function contractProblems(input: BoardWorkflowInput, workflowId: string): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (input.board === undefined) {
    const baseDir: unknown = input.baseDir;
    if (typeof baseDir !== 'string')
      problems.push({
        path: 'baseDir',
        message: "required: the absolute folder the board's relative paths start from, on the workers' machines",
      });
    else if (!baseDir.startsWith('/'))
      problems.push({
        path: 'baseDir',
        message: `must be an absolute path (a relative one would resolve against a worker's current folder), got ${quoted(baseDir)}`,
      });
    else if (baseDir.length > 4_096 || controlCharacterProblem(baseDir))
      problems.push({ path: 'baseDir', message: 'must be a path: at most 4,096 characters, no control characters' });
  } else if (!isObject(input.board) || typeof input.board.id !== 'string' || !Array.isArray(input.board.tasks)) {
    problems.push({
      path: 'board',
      message: "is the normalised board Todone's own clients send: send `document` (the board as written) instead",
    });
  }
  const boardId = isObject(input.board) && typeof input.board.id === 'string' ? input.board.id : idIn(input.document);
  if (boardId !== undefined && workflowId !== boardWorkflowId(boardId)) {
    problems.push({
      path: 'workflowId',
      message: `must be ${quoted(boardWorkflowId(boardId), 120)} for board ${quoted(boardId, 120)} (one running board per id, and Todone's commands find it by that id), got ${quoted(workflowId, 120)}`,
    });
  }
  if (input.resume !== undefined) problems.push(...resumeProblems(input.resume).slice(0, LIMITS.reportedIssues));
  return problems;
}

/** The board id the loader will give a document (`id`, or the slugified `name`), when it is a valid one. */
function idIn(document: unknown): string | undefined {
  if (!isObject(document)) return undefined;
  const id =
    typeof document.id === 'string'
      ? document.id
      : typeof document.name === 'string'
        ? slugify(document.name)
        : undefined;
  return id !== undefined && isSafeId(id) ? id : undefined;
}

function nameIn(document: unknown): string | undefined {
  if (!isObject(document) || typeof document.name !== 'string') return undefined;
  const name = document.name.trim();
  return name === '' || name.length > LIMITS.name || controlCharacterProblem(name) ? undefined : name;
}

/** The problems an InvalidBoard failure of the normalising activity carries. */
function invalidBoardDetails(error: unknown): BoardProblems | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : undefined;
  if (!(cause instanceof ApplicationFailure) || cause.type !== FAILURE_TYPES.invalidBoard) return undefined;
  const details: unknown = cause.details?.[0];
  if (!isObject(details) || !Array.isArray(details.issues)) return { source: 'the board document', issues: [] };
  return details as unknown as BoardProblems;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
