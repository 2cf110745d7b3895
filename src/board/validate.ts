/**
 * Checks that span tasks: ids, dependencies, cycles, agents. They read the raw input leniently
 * (skipping whatever the schema already rejects) so one run reports shape errors and graph errors
 * together instead of making the user fix the file twice.
 */
import { slugify } from '../core/board.js';
import type { GraphTask } from '../core/graph.js';
import { findCycle } from '../core/graph.js';
import { reviewWaits, reviewerOf, type ReviewNode } from '../core/reviews.js';
import { LIMITS } from '../core/limits.js';
import { isSafeId, quoted, SAFE_ID_RULE, unsafeIdReason } from '../core/rules.js';
import { formatPath, type BoardIssue, type PathSegment } from './format.js';
import { suggestion } from './suggest.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Mirrors the schema's reading of `dependsOn` (a lone string is a one-item list). Past the limit
 * the schema reports the size and the rest is not looked at.
 */
function dependencyList(value: unknown): unknown[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.slice(0, LIMITS.dependsOn) : [];
}

/** Top-level `x-…` fields are the user's own (a home for YAML anchors); `$schema` is for editors. */
export function isIgnoredField(key: string): boolean {
  return key.startsWith('x-') || key === '$schema';
}

export function checkBoard(raw: unknown): BoardIssue[] {
  if (!isRecord(raw)) return [];
  const issues: BoardIssue[] = [...checkBoardId(raw)];
  if (!Array.isArray(raw.tasks)) return issues;
  // Past the limit the schema reports the count; the relations of the first ones are still checked.
  const tasks: unknown[] = raw.tasks.slice(0, LIMITS.tasks);
  // Suggestions cost a comparison with every id: only for the problems that will be shown.
  const hint = (input: string, candidates: readonly string[]) =>
    issues.length < LIMITS.reportedIssues ? suggestion(input, candidates) : '';
  if (tasks.length === 0) {
    issues.push({ at: ['tasks'], message: 'must contain at least one task' });
    return issues;
  }

  const firstIndex = new Map<string, number>();
  tasks.forEach((task, i) => {
    if (!isRecord(task) || typeof task.id !== 'string') return;
    const reason = unsafeIdReason(task.id);
    if (reason) issues.push({ at: ['tasks', i, 'id'], message: reason });
    else if (task.id.toLowerCase() === 'integration' && (raw.repo !== undefined || raw.remote !== undefined)) {
      // Its branch todone/<board>/integration would be the board's integration branch.
      issues.push({
        at: ['tasks', i, 'id'],
        message: '"integration" is reserved on boards with a repo: choose another id',
      });
    }
    const first = firstIndex.get(task.id);
    if (first === undefined) firstIndex.set(task.id, i);
    else
      issues.push({
        at: ['tasks', i, 'id'],
        message: `duplicate id ${quoted(task.id)} (first used at tasks[${first}])`,
      });
  });
  const ids = [...firstIndex.keys()];

  const nodes: ReviewNode[] = [];
  const aggregates = new Set(
    tasks
      .filter((t) => isRecord(t) && t.aggregate !== undefined && typeof t.id === 'string')
      .map((t) => (t as { id: string }).id),
  );
  /** Where each task is first named as reviewed, to refuse a second review of it. */
  const reviewedAt = new Map<string, PathSegment[]>();
  tasks.forEach((task, i) => {
    if (!isRecord(task)) return;
    const at: PathSegment[] = ['tasks', i];
    if (task.aggregate !== undefined) {
      if (task.agent !== undefined)
        issues.push({
          at: [...at, 'agent'],
          message:
            "a task with aggregate combines its dependencies' outputs and has no agent of its own: remove one of them",
        });
      if (task.attempts !== undefined)
        issues.push({
          at: [...at, 'attempts'],
          message: 'a task with aggregate runs no agent: best of N does not apply',
        });
      if (dependencyList(task.dependsOn).length === 0)
        issues.push({
          at: [...at, 'aggregate'],
          message: 'aggregate combines the outputs of the tasks it depends on: give it dependsOn',
        });
    } else if (task.agent === undefined && raw.agent === undefined && !hasTypeAgent(raw.agents, task.type)) {
      issues.push({
        at: [...at, 'agent'],
        message:
          'no agent: give the task an agent (e.g. agent: "make test"), give the board a default agent, or map its type under agents',
      });
    }
    const id = typeof task.id === 'string' ? task.id : undefined;
    const deps: string[] = [];
    const listedAt = new Map<string, number>();
    dependencyList(task.dependsOn).forEach((dep, j) => {
      if (typeof dep !== 'string') return;
      const depAt = [...at, 'dependsOn', j];
      const listed = listedAt.get(dep);
      if (listed !== undefined) {
        issues.push({ at: depAt, message: `${quoted(dep)} is listed twice (first at dependsOn[${listed}])` });
        return;
      }
      listedAt.set(dep, j);
      if (dep === id) issues.push({ at: depAt, message: `task ${quoted(dep)} depends on itself` });
      else if (!firstIndex.has(dep))
        issues.push({ at: depAt, message: `unknown task ${quoted(dep)}${hint(dep, ids)}` });
      else deps.push(dep);
    });
    const reviews = checkReviews(task, at, id, { firstIndex, aggregates, reviewedAt, ids, hint }, issues);
    if (id !== undefined && firstIndex.get(id) === i) nodes.push({ id, dependsOn: deps, reviews });
  });

  // Reviews add dependencies: a review waits for what it reviews, their dependents for the review.
  const reviewers = reviewerOf(nodes);
  const graph: GraphTask[] = nodes.map((node) => ({
    id: node.id,
    dependsOn: [...node.dependsOn, ...reviewWaits(node, reviewers)],
    estimateMs: 0,
    priority: 0,
  }));

  if (Array.isArray(raw.breakpoints)) {
    raw.breakpoints.slice(0, LIMITS.tasks).forEach((id: unknown, i) => {
      if (typeof id === 'string' && !firstIndex.has(id))
        issues.push({ at: ['breakpoints', i], message: `unknown task ${quoted(id)}${hint(id, ids)}` });
    });
  }

  const cycle = findCycle(graph);
  if (cycle) {
    const plain =
      reviewers.size > 0
        ? findCycle(nodes.map((n) => ({ ...n, dependsOn: [...n.dependsOn], estimateMs: 0, priority: 0 })))
        : cycle;
    issues.push({
      at: ['tasks'],
      message: plain
        ? `dependency cycle: ${cycle.join(' -> ')}`
        : `dependency cycle through a review: ${cycle.join(' -> ')} (a review waits for the tasks it reviews, and whatever depends on them waits for the review)`,
    });
  }
  return issues;
}

interface ReviewContext {
  firstIndex: ReadonlyMap<string, number>;
  aggregates: ReadonlySet<string>;
  reviewedAt: Map<string, PathSegment[]>;
  ids: readonly string[];
  hint: (input: string, candidates: readonly string[]) => string;
}

/**
 * `reviews` names known tasks, each reviewed by one review only (two reviews sending the same work
 * back would each undo the other's round); a review runs one agent and judges work an agent did.
 * Returns the reviewed ids that can be used for the graph.
 */
function checkReviews(
  task: Record<string, unknown>,
  at: PathSegment[],
  id: string | undefined,
  context: ReviewContext,
  issues: BoardIssue[],
): string[] {
  if (task.reviews === undefined) {
    if (task.maxRounds !== undefined)
      issues.push({
        at: [...at, 'maxRounds'],
        message: 'maxRounds counts the rounds of a review: give the task reviews',
      });
    return [];
  }
  if (task.aggregate !== undefined)
    issues.push({
      at: [...at, 'reviews'],
      message: 'a task with aggregate runs no agent, so it cannot review: remove one of them',
    });
  if (task.attempts !== undefined)
    issues.push({ at: [...at, 'attempts'], message: 'a review gives one verdict: best of N does not apply' });
  const reviewed: string[] = [];
  dependencyList(task.reviews).forEach((target, j) => {
    if (typeof target !== 'string') return;
    const where = [...at, 'reviews', j];
    if (target === id) issues.push({ at: where, message: `task ${quoted(target)} cannot review itself` });
    else if (!context.firstIndex.has(target))
      issues.push({ at: where, message: `unknown task ${quoted(target)}${context.hint(target, context.ids)}` });
    else if (context.aggregates.has(target))
      issues.push({
        at: where,
        message: `task ${quoted(target)} combines outputs (aggregate): there is no agent to send its work back to`,
      });
    else if (context.reviewedAt.has(target) && !reviewed.includes(target))
      issues.push({
        at: where,
        message: `task ${quoted(target)} is already reviewed at ${formatPath(context.reviewedAt.get(target)!)}: one review a task`,
      });
    else if (!reviewed.includes(target)) {
      context.reviewedAt.set(target, where);
      reviewed.push(target);
    }
  });
  return reviewed;
}

/** Mirrors load.ts: a task without a type is `generic`. */
function hasTypeAgent(agents: unknown, type: unknown): boolean {
  if (!isRecord(agents)) return false;
  return agents[typeof type === 'string' ? type : 'generic'] !== undefined;
}

function checkBoardId(raw: Record<string, unknown>): BoardIssue[] {
  if (typeof raw.id === 'string') {
    const reason = unsafeIdReason(raw.id);
    return reason ? [{ at: ['id'], message: reason }] : [];
  }
  if (raw.id !== undefined || typeof raw.name !== 'string' || raw.name.trim() === '') return [];
  const derived = slugify(raw.name);
  if (isSafeId(derived)) return [];
  return [
    {
      at: ['name'],
      message: `cannot derive a board id from the name ${quoted(raw.name)}: add an "id" field (${SAFE_ID_RULE})`,
    },
  ];
}
