/** Turns zod's issues into board issues: one per unknown key (with a suggestion), paths kept as segments. */
import type { z } from 'zod';
import type { BoardIssue, PathSegment } from './format.js';
import { boardSchemas } from './schema.js';
import { fieldsAt } from './schema-fields.js';
import { suggestion } from './suggest.js';

/**
 * `raw` is the board the parsed input sits in: an agent's fields depend on its `kind`, read from
 * there. `prefix` is where the parsed input sits in `raw` (a task parsed alone: ['tasks', 3]).
 */
export function fromZodError(error: z.ZodError, raw?: unknown, prefix: readonly PathSegment[] = []): BoardIssue[] {
  const issues: BoardIssue[] = [];
  for (const issue of error.issues) {
    const at = [...prefix, ...issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)))];
    if (issue.code === 'unrecognized_keys') {
      const known = fieldsAt(boardSchemas().boardSchema, at, raw);
      for (const key of issue.keys)
        issues.push({ at: [...at, key], message: commandOfCliAgent(key, known) ?? unknownField(key, known) });
    } else {
      issues.push({ at, message: issue.message });
    }
  }
  return issues;
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
