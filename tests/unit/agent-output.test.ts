/** Usage, summaries and errors read back from the end of an agent's log (recorded CLI output). */
import { describe, expect, it } from 'vitest';
import { parseAiderOutput } from '../../activities/agents/aider.js';
import { parseClaudeOutput } from '../../activities/agents/claude.js';
import { parseCodexOutput } from '../../activities/agents/codex.js';
import { parseGeminiOutput } from '../../activities/agents/gemini.js';
import { parseAgentOutput } from '../../activities/agents/index.js';
import { lastJsonObject } from '../../activities/agents/output.js';
import { RECORDED, type RecordedRun } from './agent-recorded-output.js';

/** What the log holds: both streams, stderr chatter around stdout's document. */
function log(name: string, order: 'stderr-first' | 'stdout-first' = 'stderr-first'): string {
  const run: RecordedRun = RECORDED[name]!;
  return order === 'stderr-first' ? run.stderr + run.stdout : run.stdout + run.stderr;
}

describe('claude', () => {
  it('reads usage (cached input included), cost and the final message', () => {
    expect(parseClaudeOutput(log('claude_edit'))).toEqual({
      usage: { inputTokens: 2600, outputTokens: 80, cachedInputTokens: 400, costUsd: 0.0132 },
      summary: 'Wrote hello.txt.',
    });
  });

  it('turns is_error into an error, even when the process exits 0', () => {
    const report = parseClaudeOutput(log('claude_fail'));
    expect(report.error).toMatch(/^API Error: 500 boom from server/);
    expect(report.summary).toBeUndefined();
    expect(report.usage).toEqual({ inputTokens: 0, outputTokens: 0, costUsd: 0 });
  });

  it('finds the result after megabytes of other output and ignores JSON that is not the result', () => {
    const noise = `${'x'.repeat(100_000)}\n{"type":"system","subtype":"init"}\n{ not json\n`;
    expect(parseClaudeOutput(noise + log('claude_edit') + '\n{"type":"other"}\nbye\n').summary).toBe(
      'Wrote hello.txt.',
    );
  });

  it('reports nothing for output that has no result', () => {
    expect(parseClaudeOutput('Error: unknown option --bogus\n')).toEqual({});
  });
});

describe('codex', () => {
  it('sums turn.completed usage and keeps the last agent message', () => {
    expect(parseCodexOutput(log('codex_edit'))).toEqual({
      usage: { inputTokens: 2200, outputTokens: 80, cachedInputTokens: 400 },
      summary: 'Wrote hello.txt.',
    });
  });

  it('turns turn.failed into an error', () => {
    expect(parseCodexOutput(log('codex_fail'))).toEqual({
      error: expect.stringContaining('experiencing high demand') as string,
    });
  });

  it('tolerates a log that starts mid-line (only its end was read)', () => {
    const cut = log('codex_edit').slice(40);
    expect(parseCodexOutput(cut).usage?.inputTokens).toBe(2200);
  });
});

describe('gemini', () => {
  it.each(['stderr-first', 'stdout-first'] as const)(
    'sums tokens over every model from a pretty-printed document (%s)',
    (order) => {
      expect(parseGeminiOutput(log('gemini_edit', order))).toEqual({
        usage: { inputTokens: 2300, outputTokens: 90, cachedInputTokens: 400 },
        summary: 'Wrote hello.txt.',
      });
    },
  );

  it('reads the error document it prints on stderr after a stack trace', () => {
    expect(parseGeminiOutput(log('gemini_fail'))).toEqual({
      error: expect.stringContaining('boom from server') as string,
    });
  });
});

describe('aider', () => {
  it('adds up its Tokens lines and takes the session cost from the last', () => {
    const output = [
      'Aider v0.86.1',
      'Tokens: 2.3k sent, 156 received. Cost: $0.0093 message, $0.0093 session.',
      'Applied edit to hello.txt',
      'Tokens: 12k sent, 1.1k cache write, 500 cache hit, 1.2k received. Cost: $0.05 message, $0.0593 session.',
      '',
    ].join('\n');
    expect(parseAiderOutput(output)).toEqual({
      usage: { inputTokens: 14_300, outputTokens: 1_356, cachedInputTokens: 500, costUsd: 0.0593 },
    });
  });

  it('reports nothing when no tokens line was printed', () => {
    expect(parseAiderOutput('litellm.APIError: boom\n')).toEqual({});
  });
});

describe('parseAgentOutput', () => {
  it('reads nothing for shell and custom agents', () => {
    const claudeLog = log('claude_edit');
    expect(parseAgentOutput({ kind: 'shell', command: 'x', env: {} }, claudeLog)).toEqual({});
    expect(parseAgentOutput({ kind: 'custom', command: ['x'], env: {} }, claudeLog)).toEqual({});
    expect(parseAgentOutput({ kind: 'claude', args: [], env: {} }, claudeLog).usage?.outputTokens).toBe(80);
  });
});

describe('lastJsonObject', () => {
  it('skips braces inside strings and unbalanced candidates', () => {
    const text = '{"a": "}{", "n": 1}\n{"b": {"c": "\\"}"}}\n{ unterminated\n';
    expect(lastJsonObject(text, () => true)).toEqual({ b: { c: '"}' } });
    expect(lastJsonObject(text, (value) => 'a' in value)).toEqual({ a: '}{', n: 1 });
  });

  it('stays fast on a log of unbalanced braces', () => {
    const started = performance.now();
    expect(lastJsonObject('{\n'.repeat(128 * 1024), () => true)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});
