/**
 * A custom agent: the user's argv template with placeholders filled in. Each argument stays one
 * argument whatever the prompt holds, and substitution is a single pass, so a prompt containing
 * "{worktree}" reaches the agent as written.
 */
import type { CustomAgentSpec, CustomPlaceholder } from '../../src/core/board.js';
import { promptArgument } from './prompt-argument.js';
import type { AgentAdapter, AgentContext } from './types.js';

const PLACEHOLDER = /\{(prompt|promptFile|worktree|taskId|boardId|attempt)\}/g;

export const customAdapter: AgentAdapter<CustomAgentSpec> = {
  kind: 'custom',
  invocation(ctx) {
    const values = placeholderValues(ctx);
    const [file = '', ...args] = ctx.agent.command.map((arg) =>
      arg.replace(PLACEHOLDER, (_, name: CustomPlaceholder) => values[name]),
    );
    return { file, args, env: { ...ctx.agent.env } };
  },
};

function placeholderValues(ctx: AgentContext<CustomAgentSpec>): Record<CustomPlaceholder, string> {
  return {
    prompt: promptArgument(ctx),
    promptFile: ctx.promptFile,
    worktree: ctx.worktree,
    taskId: ctx.taskId,
    boardId: ctx.boardId,
    attempt: String(ctx.attempt),
  };
}
