/**
 * Checks that span tasks: ids, dependencies, cycles, agents. They read the raw input leniently
 * (skipping whatever the schema already rejects) so one run reports shape errors and graph errors
 * together instead of making the user fix the file twice.
 */
import { slugify } from '../core/board.js';
import type { GraphTask } from '../core/graph.js';
import { findCycle } from '../core/graph.js';
import { LIMITS } from '../core/limits.js';
import { isSafeId, quoted, SAFE_ID_RULE, unsafeIdReason } from '../core/rules.js';
import type { BoardIssue, PathSegment } from './format.js';
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

  const graph: GraphTask[] = [];
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
    if (id !== undefined && firstIndex.get(id) === i) graph.push({ id, dependsOn: deps, estimateMs: 0, priority: 0 });
  });

  if (Array.isArray(raw.breakpoints)) {
    raw.breakpoints.slice(0, LIMITS.tasks).forEach((id: unknown, i) => {
      if (typeof id === 'string' && !firstIndex.has(id))
        issues.push({ at: ['breakpoints', i], message: `unknown task ${quoted(id)}${hint(id, ids)}` });
    });
  }

  const cycle = findCycle(graph);
  if (cycle) issues.push({ at: ['tasks'], message: `dependency cycle: ${cycle.join(' -> ')}` });
  return issues;
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
