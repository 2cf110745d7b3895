/**
 * Aider with one message and no questions. It has no machine-readable output; its
 * "Tokens: … sent, … received. Cost: $… message, $… session." lines are read instead. It must not
 * commit (Todone commits the worktree) nor leave its history files or .gitignore edits in the
 * worktree, where they would be committed with the task's work. --yes-always also runs the shell
 * commands it suggests, so outside Todone's sandbox (unless `permissive: true`) it suggests none.
 */
import path from 'node:path';
import type { CliAgentSpec } from '../../src/core/board.js';
import type { Usage } from '../types.js';
import { clip } from './output.js';
import { promptArgument } from './prompt-argument.js';
import { permissive, type AgentAdapter, type AgentReport } from './types.js';

export const aiderAdapter: AgentAdapter<CliAgentSpec> = {
  kind: 'aider',
  invocation(ctx) {
    const { agent } = ctx;
    return {
      file: agent.bin ?? 'aider',
      args: [
        '--message',
        promptArgument(ctx),
        '--yes-always',
        '--no-auto-commits',
        '--no-check-update',
        '--no-analytics',
        '--no-pretty',
        ...(permissive(ctx) ? [] : ['--no-suggest-shell-commands']),
        '--no-gitignore',
        '--chat-history-file',
        path.join(ctx.logDir, `aider-chat-${ctx.attempt}.md`),
        '--input-history-file',
        path.join(ctx.logDir, `aider-input-${ctx.attempt}.history`),
        ...(agent.model ? ['--model', agent.model] : []),
        ...agent.args,
      ],
      env: { ...agent.env },
    };
  },
  parseOutput: parseAiderOutput,
};

const TOKENS_LINE =
  /^Tokens: (.+?) sent(?:, (.+?) cache write)?(?:, (.+?) cache hit)?, (.+?) received\.(?: Cost: \$([\d.]+) message, \$([\d.]+) session\.)?/gm;

/** One line per model reply: tokens add up, the last line's session cost is the total. */
export function parseAiderOutput(output: string): AgentReport {
  let usage: Usage | undefined;
  for (const match of output.matchAll(TOKENS_LINE)) {
    // Cache hits are reported beside `sent`, which (through litellm) already counts them.
    const [, sent, , hit, received, , session] = match;
    const input = tokenCount(sent);
    const cached = (usage?.cachedInputTokens ?? 0) + tokenCount(hit);
    usage = {
      inputTokens: (usage?.inputTokens ?? 0) + input,
      outputTokens: (usage?.outputTokens ?? 0) + tokenCount(received),
      ...(cached ? { cachedInputTokens: cached } : {}),
      ...(session !== undefined
        ? { costUsd: Number(session) }
        : usage?.costUsd !== undefined
          ? { costUsd: usage.costUsd }
          : {}),
    };
  }
  // Aider reports a file it could not write and carries on.
  const unwritten = [...output.matchAll(/^Unable to write file (.+)$/gm)].map((match) => clip(match[1]!.trim(), 200));
  return {
    ...(usage ? { usage } : {}),
    ...(unwritten.length > 0 ? { unfinished: clip(`aider could not write ${unwritten.join('; ')}`, 800) } : {}),
  };
}

/** Aider rounds: "950", "2.3k", "12k", "1.1M". */
function tokenCount(text: string | undefined): number {
  const match = text ? /^([\d.]+)([kKmM]?)$/.exec(text.trim()) : null;
  if (!match) return 0;
  const scale = match[2]?.toLowerCase() === 'k' ? 1_000 : match[2]?.toLowerCase() === 'm' ? 1_000_000 : 1;
  return Math.round(Number(match[1]) * scale);
}
