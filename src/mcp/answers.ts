/**
 * How every Todone tool answers an MCP client: one compact JSON text (an agent's context is the
 * scarce resource, so no indentation and nothing it did not ask for) plus the same object as
 * structured content; a refusal is a tool error whose text is the CLI's own message, with the
 * loader's problems (path and message) alongside.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { explainFailure } from '../cli/failure.js';
import { InvalidInputError, type Issue } from '../errors.js';

export type Answer = Record<string, unknown>;

export function answer(value: Answer): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
}

/** Problems listed in one answer: a board with thousands of them would fill the agent's context. */
export const MAX_PROBLEMS = 50;

/** Bad input as an answer: the loader's message and problems, the first MAX_PROBLEMS of them. */
export function problemsOf(error: InvalidInputError): { message: string; problems: Issue[]; moreProblems?: number } {
  const problems = error.issues.slice(0, MAX_PROBLEMS);
  // The error itself lists at most 100 and counts the rest (`more`).
  const total = error.issues.length + error.more;
  const more = total - problems.length;
  if (more === 0) return { message: error.message, problems };
  const shown = new InvalidInputError(error.source, problems).message.replace(
    /\(\d+ problems?\)/,
    `(${total} problems, the first ${problems.length} shown)`,
  );
  return { message: `${shown}\n  … and ${more} more`, problems, moreProblems: more };
}

/** Any failure as a tool error: bad input with its problems, anything else as the CLI would say it. */
export function refusal(error: unknown): CallToolResult {
  if (error instanceof InvalidInputError) {
    const { message, ...rest } = problemsOf(error);
    return {
      content: [{ type: 'text', text: message }],
      structuredContent: { error: message, ...rest },
      isError: true,
    };
  }
  const { message } = explainFailure(error);
  return { content: [{ type: 'text', text: message }], structuredContent: { error: message }, isError: true };
}

/** Text from a board or a task, cut to what an answer can afford. */
export function clip(text: string | undefined, max = 300): string | undefined {
  if (text === undefined) return undefined;
  const flat = text.trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
