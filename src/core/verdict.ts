/**
 * A review's verdict, read from what its agent left: JSON `{ "verdict": "approve" | "changes",
 * "comment": "…" }` in TODONE_OUTPUT (any agent; what shell and custom agents use), else a
 * `VERDICT: approve` or `VERDICT: changes` line in a coding agent's closing message, the comment
 * after it. Pure: the task activity reads it, tests pin it.
 */
import { LIMITS } from './limits.js';
import type { ReviewVerdict } from './outcome.js';

const VERDICT_LINE = /^[\s*_#>`-]*VERDICT\s*[:=]\s*\**\s*(approve|approved|changes)\b\**[\s:.\-–—]*(.*)$/i;

/** The verdict, or why what the review left is not one; undefined when it left none at all. */
export function readVerdict(
  output: unknown,
  summary: string | undefined,
): ReviewVerdict | { problem: string } | undefined {
  if (typeof output === 'object' && output !== null && !Array.isArray(output) && 'verdict' in output)
    return fromOutput(output);
  return summary === undefined ? undefined : fromText(summary);
}

function fromOutput(output: Record<string, unknown>): ReviewVerdict | { problem: string } {
  const { verdict, comment } = output;
  const word = typeof verdict === 'string' ? verdict.trim().toLowerCase() : undefined;
  if (word !== 'approve' && word !== 'changes')
    return { problem: `TODONE_OUTPUT's "verdict" must be "approve" or "changes", got ${JSON.stringify(verdict)}` };
  if (comment !== undefined && typeof comment !== 'string')
    return { problem: `TODONE_OUTPUT's "comment" must be a string, got ${JSON.stringify(comment)}` };
  return verdictOf(word, comment ?? '');
}

/** The last VERDICT line wins (an agent may quote the instructions first); the comment follows it, or precedes it. */
function fromText(text: string): ReviewVerdict | undefined {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const match = VERDICT_LINE.exec(lines[i]!);
    if (!match) continue;
    const word = match[1]!.toLowerCase() === 'changes' ? 'changes' : 'approve';
    const after = [match[2] ?? '', ...lines.slice(i + 1)].join('\n').trim();
    const before = lines.slice(0, i).join('\n').trim();
    return verdictOf(word, after || before);
  }
  return undefined;
}

function verdictOf(verdict: 'approve' | 'changes', comment: string): ReviewVerdict {
  const text = clipComment(comment.trim());
  return { verdict, ...(text ? { comment: text } : {}) };
}

/**
 * A comment as it is kept: no control characters but tabs and line breaks (it reaches an
 * environment variable, where a NUL cannot go, and terminals), at most LIMITS.comment characters.
 */
export function clipComment(comment: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this takes out
  const text = comment.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, '');
  return text.length > LIMITS.comment ? `${text.slice(0, LIMITS.comment - 1)}…` : text;
}
