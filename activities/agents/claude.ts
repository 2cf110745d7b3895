/**
 * Claude Code in print mode. `--output-format json` ends the run with one `result` object holding
 * the final message, usage and cost. acceptEdits lets it write files without asking; anything
 * more (Bash, ...) is the board's choice through `args` (e.g. `--allowedTools Bash`), or every tool
 * with `permissive: true` (bypassPermissions). Claude refuses that as root unless told it is in a
 * sandbox, which it is said to be only inside Todone's.
 */
import type { CliAgentSpec } from '../../src/core/board.js';
import type { Usage } from '../types.js';
import { clip, isObject, lastJsonObject, numberAt, stringAt, type JsonObject } from './output.js';
import { promptArgument } from './prompt-argument.js';
import type { AgentAdapter, AgentReport } from './types.js';

export const claudeAdapter: AgentAdapter<CliAgentSpec> = {
  kind: 'claude',
  invocation(ctx) {
    const { agent } = ctx;
    return {
      file: agent.bin ?? 'claude',
      // The prompt sits right after -p: options such as --allowedTools take several values and
      // would swallow a prompt placed after the user's args.
      args: [
        '-p',
        promptArgument(ctx),
        '--output-format',
        'json',
        '--permission-mode',
        agent.permissive === true ? 'bypassPermissions' : 'acceptEdits',
        ...(agent.model ? ['--model', agent.model] : []),
        ...agent.args,
      ],
      env: { ...(agent.permissive === true && ctx.confinedByTodone ? { IS_SANDBOX: '1' } : {}), ...agent.env },
    };
  },
  parseOutput: parseClaudeOutput,
};

export function parseClaudeOutput(output: string): AgentReport {
  const result = lastJsonObject(output, (value) => value.type === 'result');
  if (!result) return {};
  const usage = claudeUsage(result);
  const text = stringAt(result.result);
  return {
    ...(usage ? { usage } : {}),
    ...(text && result.is_error !== true ? { summary: clip(text) } : {}),
    // It exits 0 on some failures (e.g. max turns reached) and says so only here.
    ...(result.is_error === true
      ? { error: clip(text ?? `claude reported an error (${String(result.subtype)})`, 500) }
      : {}),
    ...claudeDenials(result.permission_denials),
  };
}

/**
 * Tool calls its permission mode refused (an edit outside the folder, a command not allowed):
 * the model was told "denied" and may well have ended with "done" regardless.
 */
function claudeDenials(denials: unknown): Pick<AgentReport, 'unfinished'> {
  const list = Array.isArray(denials) ? denials.filter(isObject) : [];
  if (list.length === 0) return {};
  const described = list.map((denial) => {
    const input = isObject(denial.tool_input) ? denial.tool_input : {};
    const target = stringAt(input.file_path) ?? stringAt(input.path) ?? stringAt(input.command) ?? stringAt(input.url);
    return `${stringAt(denial.tool_name) ?? 'a tool'}${target ? ` ${clip(target.replace(/\s+/g, ' '), 160)}` : ''}`;
  });
  return {
    unfinished: clip(
      `claude was denied ${list.length} tool call${list.length === 1 ? '' : 's'}: ${described.join('; ')}`,
      800,
    ),
  };
}

/** Anthropic counts cached input apart from input_tokens; Usage.inputTokens includes it. */
function claudeUsage(result: JsonObject): Usage | undefined {
  const usage = isObject(result.usage) ? result.usage : undefined;
  const input = numberAt(usage?.input_tokens);
  const output = numberAt(usage?.output_tokens);
  if (input === undefined || output === undefined) return undefined;
  const cacheRead = numberAt(usage?.cache_read_input_tokens) ?? 0;
  const cacheWrite = numberAt(usage?.cache_creation_input_tokens) ?? 0;
  const cost = numberAt(result.total_cost_usd);
  return {
    inputTokens: input + cacheRead + cacheWrite,
    outputTokens: output,
    ...(cacheRead > 0 ? { cachedInputTokens: cacheRead } : {}),
    ...(cost !== undefined ? { costUsd: cost } : {}),
  };
}
