/** Turns zod's issues into board issues: one per unknown key (with a suggestion), paths kept as segments. */
import type { z } from 'zod';
import type { BoardIssue, PathSegment } from './format.js';
import { KNOWN_FIELDS } from './schema.js';
import { suggestion } from './suggest.js';

export function fromZodError(error: z.ZodError): BoardIssue[] {
  const issues: BoardIssue[] = [];
  for (const issue of error.issues) {
    const at = issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
    if (issue.code === 'unrecognized_keys') {
      const known = fieldsAt(at);
      for (const key of issue.keys) issues.push({ at: [...at, key], message: unknownField(key, known) });
    } else {
      issues.push({ at, message: issue.message });
    }
  }
  return issues;
}

/** Which mapping a path points at follows from the board's fixed nesting. */
function fieldsAt(at: readonly PathSegment[]): readonly string[] {
  const last = at[at.length - 1];
  if (at.length === 0) return KNOWN_FIELDS.board;
  if (typeof last === 'number') return KNOWN_FIELDS.task;
  if (last === 'agent') return KNOWN_FIELDS.agent;
  if (last === 'retry') return KNOWN_FIELDS.retry;
  if (last === 'worktrees') return KNOWN_FIELDS.worktrees;
  if (last === 'integration') return KNOWN_FIELDS.integration;
  if (last === 'author') return KNOWN_FIELDS.author;
  return [];
}

function unknownField(key: string, known: readonly string[]): string {
  const hint = suggestion(key, known);
  if (hint) return `unknown field${hint}`;
  return known.length > 0 ? `unknown field (expected one of: ${known.join(', ')})` : 'unknown field';
}
