/**
 * Gemini CLI headless. `-o json` prints one (pretty-printed) document at the end: `response` and
 * per-model `stats`, or `error` (on stderr) when the run failed. yolo approves every tool, shell
 * commands included, so it is used only inside Todone's sandbox or when the board says `permissive:
 * true`; otherwise auto_edit approves its edits and refuses the rest (read back as unfinished work).
 * --skip-trust because a fresh worktree is never trusted.
 */
import type { CliAgentSpec } from '../../src/core/board.js';
import type { Usage } from '../types.js';
import { clip, isObject, lastJsonObject, numberAt, stringAt } from './output.js';
import { promptArgument } from './prompt-argument.js';
import { permissive, type AgentAdapter, type AgentReport } from './types.js';

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
        permissive(ctx) ? 'yolo' : 'auto_edit',
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
  const doc = lastJsonObject(
    output,
    (value) => 'session_id' in value || 'response' in value || 'error' in value || 'stats' in value,
  );
  const unfinished = geminiRefusals(output, doc?.stats);
  if (!doc) return unfinished ? { unfinished } : {};
  const usage = geminiUsage(doc.stats);
  const response = stringAt(doc.response);
  const failure = isObject(doc.error) ? doc.error : undefined;
  return {
    ...(usage ? { usage } : {}),
    ...(response ? { summary: clip(response) } : {}),
    ...(failure ? { error: clip(stringAt(failure.message) ?? 'gemini reported an error', 500) } : {}),
    ...(unfinished ? { unfinished } : {}),
  };
}

/** A tool error that is a refusal (outside the workspace, no permission), not the model's own slip. */
const REFUSAL =
  /not in workspace|outside the allowed workspace|permission denied|not permitted|EACCES|EROFS|read-only file system|denied/i;

/**
 * Tool calls gemini refused or could not carry out for lack of permission: its stderr says
 * "Error executing tool write_file: Path not in workspace: …", and `stats.tools` counts calls the
 * approval mode rejected. It tells the model and still exits 0.
 */
function geminiRefusals(output: string, stats: unknown): string | undefined {
  const refused = new Set<string>();
  for (const match of output.matchAll(/^Error executing tool (\S+): (.+)$/gm)) {
    if (REFUSAL.test(match[2] ?? '')) refused.add(`${match[1]}: ${clip(match[2]!.trim(), 200)}`);
  }
  const byName = isObject(stats) && isObject(stats.tools) && isObject(stats.tools.byName) ? stats.tools.byName : {};
  for (const [name, tool] of Object.entries(byName)) {
    const rejected = isObject(tool) && isObject(tool.decisions) ? (numberAt(tool.decisions.reject) ?? 0) : 0;
    if (rejected > 0) refused.add(`${name}: ${rejected} call${rejected === 1 ? '' : 's'} rejected`);
  }
  return refused.size > 0 ? clip(`gemini's tool calls were refused: ${[...refused].join('; ')}`, 800) : undefined;
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
