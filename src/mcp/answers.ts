/**
 * How every Todone tool answers an MCP client: one compact JSON text (an agent's context is the
 * scarce resource, so no indentation and nothing it did not ask for) plus the same object as
 * structured content; a refusal is a tool error whose text is the CLI's own message, with the
 * loader's problems (path and message) alongside.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { explainFailure } from '../cli/failure.js';
import { InvalidInputError } from '../errors.js';

export type Answer = Record<string, unknown>;

export function answer(value: Answer): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value };
}

/** Any failure as a tool error: bad input with its problems, anything else as the CLI would say it. */
export function refusal(error: unknown): CallToolResult {
  const { message } = explainFailure(error);
  const problems = error instanceof InvalidInputError ? error.issues : undefined;
  const value: Answer = { error: message, ...(problems ? { problems } : {}) };
  return { content: [{ type: 'text', text: message }], structuredContent: value, isError: true };
}

/** Text from a board or a task, cut to what an answer can afford. */
export function clip(text: string | undefined, max = 300): string | undefined {
  if (text === undefined) return undefined;
  const flat = text.trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
