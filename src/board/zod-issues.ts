/** Turns zod's issues into board issues: one per unknown key (with a suggestion), paths kept as segments. */
import type { z } from 'zod';
import { AGENT_KINDS, TASK_TYPES, type AgentKind } from '../core/board.js';
import type { BoardIssue, PathSegment } from './format.js';
import { KNOWN_FIELDS } from './schema.js';
import { suggestion } from './suggest.js';

/** `raw` is the input that was parsed: an agent's fields depend on its `kind`, read from there. */
export function fromZodError(error: z.ZodError, raw?: unknown): BoardIssue[] {
  const issues: BoardIssue[] = [];
  for (const issue of error.issues) {
    const at = issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
    if (issue.code === 'unrecognized_keys') {
      const known = fieldsAt(at, raw);
      for (const key of issue.keys) issues.push({ at: [...at, key], message: commandOfCliAgent(key, known) ?? unknownField(key, known) });
    } else {
      issues.push({ at, message: issue.message });
    }
  }
  return issues;
}

type Mapping =
  | 'board'
  | 'tasks'
  | 'task'
  | 'agent'
  | 'agents'
  | 'validators'
  | 'validate'
  | 'validateEntry'
  | 'retry'
  | 'worktrees'
  | 'integration'
  | 'author'
  | 'other';

/** The board's fixed nesting: which mapping a key (or index) of a mapping leads to. */
const CHILDREN: Partial<Record<Mapping, Record<string, Mapping>>> = {
  board: { tasks: 'tasks', agent: 'agent', agents: 'agents', validators: 'validators', retry: 'retry', worktrees: 'worktrees', integration: 'integration' },
  task: { agent: 'agent', validate: 'validate', retry: 'retry' },
  integration: { author: 'author' },
};

function child(parent: Mapping, segment: PathSegment): Mapping {
  if (parent === 'tasks' && typeof segment === 'number') return 'task';
  if (parent === 'validate' && typeof segment === 'number') return 'validateEntry';
  if (parent === 'agents') return 'agent';
  if (parent === 'validators') return 'validate';
  return CHILDREN[parent]?.[String(segment)] ?? 'other';
}

function fieldsAt(at: readonly PathSegment[], raw: unknown): readonly string[] {
  let mapping: Mapping = 'board';
  let value = raw;
  for (const segment of at) {
    mapping = child(mapping, segment);
    value = typeof value === 'object' && value !== null ? (value as Record<PathSegment, unknown>)[segment] : undefined;
  }
  switch (mapping) {
    case 'board':
      return KNOWN_FIELDS.board;
    case 'task':
      return KNOWN_FIELDS.task;
    case 'agent':
      return KNOWN_FIELDS.agent[agentKind(value)];
    case 'agents':
    case 'validators':
      return TASK_TYPES;
    case 'validateEntry':
      return KNOWN_FIELDS.validate;
    case 'retry':
    case 'worktrees':
    case 'integration':
    case 'author':
      return KNOWN_FIELDS[mapping];
    default:
      return [];
  }
}

/** Unknown keys are only reported once the kind matched, so a bad kind never gets here; shell is the fallback. */
function agentKind(value: unknown): AgentKind {
  const kind = typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined;
  return AGENT_KINDS.find((k) => k === kind) ?? 'shell';
}

/** Someone moving from a shell agent to a CLI kind keeps `command`; say where it went. */
function commandOfCliAgent(key: string, known: readonly string[]): string | undefined {
  if (key !== 'command' || !known.includes('model')) return undefined;
  return 'unknown field: this agent kind builds its own command (use args for extra flags, or kind: custom for an argv of your own)';
}

function unknownField(key: string, known: readonly string[]): string {
  const hint = suggestion(key, known);
  if (hint) return `unknown field${hint}`;
  return known.length > 0 ? `unknown field (expected one of: ${known.join(', ')})` : 'unknown field';
}
