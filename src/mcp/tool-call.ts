/**
 * The one wrapper every tool handler goes through: the call is bounded, its answer compact, and any
 * failure becomes a tool error with the CLI's wording (never a stack, never a hung client).
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { answer, refusal, type Answer } from './answers.js';
import { bounded } from './context.js';

/** The bound of a tool that asks Temporal something: a few round trips and a status query. */
export const TOOL_BOUND_MS = 30_000;

export async function toolCall(
  name: string,
  work: () => Promise<Answer>,
  boundMs: number = TOOL_BOUND_MS,
): Promise<CallToolResult> {
  try {
    return answer(await bounded(name, boundMs, work));
  } catch (error) {
    return refusal(error);
  }
}
