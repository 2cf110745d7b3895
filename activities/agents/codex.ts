/**
 * Codex CLI's exec mode. `--json` streams JSONL events; `turn.completed` carries usage and
 * `turn.failed` the error. The default sandbox is read-only, where writes fail and codex still
 * exits 0, hence workspace-write; git's own checks are Todone's business, not codex's. Where its
 * sandbox cannot work, Todone confines codex itself and turns codex's off (sandbox-plan.ts); a
 * board that sets codex's sandbox in `args` gets exactly that. Codex exits 0 and says "done" even
 * when every edit failed, so failed edits and sandbox refusals are read back (codex-edits.ts).
 * `permissive: true` turns codex's sandbox off even outside Todone's.
 */
import type { CliAgentSpec } from '../../src/core/board.js';
import { addUsage, type Usage } from '../../src/core/usage.js';
import { clip, isObject, jsonLines, numberAt, stringAt, type JsonObject } from './output.js';
import { codexUnfinishedWork } from './codex-edits.js';
import { promptArgument } from './prompt-argument.js';
import { boardChoosesCodexSandbox } from './sandbox-plan.js';
import { permissive, type AgentAdapter, type AgentContext, type AgentReport } from './types.js';

export const codexAdapter: AgentAdapter<CliAgentSpec> = {
  kind: 'codex',
  invocation(ctx) {
    const { agent } = ctx;
    return {
      file: agent.bin ?? 'codex',
      args: [
        'exec',
        '--json',
        '--skip-git-repo-check',
        ...sandboxFlags(ctx),
        ...(agent.model ? ['-m', agent.model] : []),
        ...agent.args,
        // Last, after `--`, so a user option taking a value cannot swallow it and it is never read as a flag.
        '--',
        promptArgument(ctx),
      ],
      env: { ...agent.env },
    };
  },
  parseOutput: parseCodexOutput,
};

/** Its own sandbox, unless the board set one or codex runs permissive (inside Todone's, or as the board says). */
function sandboxFlags(ctx: AgentContext<CliAgentSpec>): string[] {
  if (boardChoosesCodexSandbox(ctx.agent.args)) return [];
  return permissive(ctx) ? ['--dangerously-bypass-approvals-and-sandbox'] : ['--sandbox', 'workspace-write'];
}

export function parseCodexOutput(output: string): AgentReport {
  let usage: Usage | undefined;
  let summary: string | undefined;
  let error: string | undefined;
  for (const event of jsonLines(output)) {
    if (event.type === 'turn.completed') {
      usage = addUsage(usage, codexUsage(event));
      error = undefined;
    } else if (event.type === 'turn.failed') {
      const failure = isObject(event.error) ? event.error : {};
      error = clip(stringAt(failure.message) ?? 'codex reported turn.failed', 500);
    } else if (event.type === 'item.completed' && isObject(event.item) && event.item.type === 'agent_message') {
      summary = stringAt(event.item.text) ?? summary;
    }
  }
  const unfinished = codexUnfinishedWork(output);
  return {
    ...(usage ? { usage } : {}),
    ...(summary ? { summary: clip(summary) } : {}),
    ...(error ? { error } : {}),
    ...(unfinished ? { unfinished } : {}),
  };
}

/** OpenAI's input_tokens already include the cached ones. */
function codexUsage(event: JsonObject): Usage | undefined {
  const usage = isObject(event.usage) ? event.usage : undefined;
  const input = numberAt(usage?.input_tokens);
  const output = numberAt(usage?.output_tokens);
  if (input === undefined || output === undefined) return undefined;
  const cached = numberAt(usage?.cached_input_tokens);
  return { inputTokens: input, outputTokens: output, ...(cached ? { cachedInputTokens: cached } : {}) };
}
