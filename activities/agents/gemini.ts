/**
 * Gemini CLI headless. `-o json` prints one (pretty-printed) document at the end: `response` and
 * per-model `stats`, or `error` (on stderr) when the run failed. yolo approves its tools, which is
 * what an unattended run in a worktree needs; --skip-trust because a fresh worktree is never trusted.
 */
import type { CliAgentSpec } from '../../src/core/board.js';
import type { Usage } from '../types.js';
import { clip, isObject, lastJsonObject, numberAt, stringAt } from './output.js';
import { promptArgument } from './prompt-argument.js';
import type { AgentAdapter, AgentReport } from './types.js';

export const geminiAdapter: AgentAdapter<CliAgentSpec> = {
  kind: 'gemini',
  invocation(ctx) {
    const { agent } = ctx;
    return {
      file: agent.bin ?? 'gemini',
      args: [
        '-p',
        promptArgument(ctx),
        '-o',
        'json',
        '--approval-mode',
        'yolo',
        '--skip-trust',
        ...(agent.model ? ['-m', agent.model] : []),
        ...agent.args,
      ],
      env: { ...agent.env },
    };
  },
  parseOutput: parseGeminiOutput,
};

export function parseGeminiOutput(output: string): AgentReport {
  const doc = lastJsonObject(output, (value) => 'session_id' in value || 'response' in value || 'error' in value || 'stats' in value);
  if (!doc) return {};
  const usage = geminiUsage(doc.stats);
  const response = stringAt(doc.response);
  const failure = isObject(doc.error) ? doc.error : undefined;
  return {
    ...(usage ? { usage } : {}),
    ...(response ? { summary: clip(response) } : {}),
    ...(failure ? { error: clip(stringAt(failure.message) ?? 'gemini reported an error', 500) } : {}),
  };
}

/** Summed over every model it used (the main one and its routing/side calls); `prompt` includes cached input. */
function geminiUsage(stats: unknown): Usage | undefined {
  const models = isObject(stats) && isObject(stats.models) ? Object.values(stats.models) : [];
  let input = 0;
  let output = 0;
  let cached = 0;
  let seen = false;
  for (const model of models) {
    const tokens = isObject(model) && isObject(model.tokens) ? model.tokens : undefined;
    if (!tokens) continue;
    seen = true;
    input += numberAt(tokens.prompt) ?? numberAt(tokens.input) ?? 0;
    output += (numberAt(tokens.candidates) ?? 0) + (numberAt(tokens.thoughts) ?? 0);
    cached += numberAt(tokens.cached) ?? 0;
  }
  if (!seen) return undefined;
  return { inputTokens: input, outputTokens: output, ...(cached ? { cachedInputTokens: cached } : {}) };
}
