/**
 * Prompts travel as one argv entry, and Linux caps a single argument at 128 KiB (MAX_ARG_STRLEN):
 * past that the exec itself fails. A prompt that large is handed over by its file instead.
 */
import type { AgentContext } from './types.js';

export const MAX_PROMPT_ARGUMENT_BYTES = 100_000;

export function promptArgument(ctx: Pick<AgentContext, 'prompt' | 'promptFile'>): string {
  if (Buffer.byteLength(ctx.prompt) <= MAX_PROMPT_ARGUMENT_BYTES) return ctx.prompt;
  return `Your task is described in the file ${ctx.promptFile}. Read that whole file first, then do what it asks.`;
}
