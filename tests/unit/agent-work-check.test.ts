/**
 * Reading what an agent could not do from its own output (recorded from the real CLIs), and how
 * codex is confined from what the host's probes found.
 */
import { describe, expect, it } from 'vitest';
import { parseAiderOutput } from '../../activities/agents/aider.js';
import { parseClaudeOutput } from '../../activities/agents/claude.js';
import { parseCodexOutput } from '../../activities/agents/codex.js';
import { parseGeminiOutput } from '../../activities/agents/gemini.js';
import { agentInvocation } from '../../activities/agents/index.js';
import { buildPrompt } from '../../activities/agents/prompt.js';
import {
  boardChoosesCodexSandbox,
  describeCodexSandbox,
  planCodexSandbox,
} from '../../activities/agents/sandbox-plan.js';
import type { ProbeResult } from '../../activities/process/sandbox.js';
import { normaliseBoard } from '../../src/board/load.js';

const SPEC = '/w/docs/spec.txt';
const fileChange = (status: string, path = SPEC) =>
  JSON.stringify({
    type: 'item.completed',
    item: { id: 'item_0', type: 'file_change', changes: [{ path, kind: 'add' }], status },
  });
const DONE = [
  JSON.stringify({ type: 'item.completed', item: { id: 'item_1', type: 'agent_message', text: 'done' } }),
  JSON.stringify({ type: 'turn.completed', usage: { input_tokens: 200, cached_input_tokens: 0, output_tokens: 20 } }),
];

describe('codex: failed and refused edits', () => {
  it('a failed file_change with codex’s own error, though it exits 0 and says done', () => {
    const log = [
      fileChange('failed'),
      ...DONE,
      '2026-11-29T16:41:55.325212Z ERROR codex_core::tools::router: error=Exit code: 1',
      'Wall time: 0.1 seconds',
      'Output:',
      `Failed to write file ${SPEC}`,
    ].join('\n');
    expect(parseCodexOutput(log)).toMatchObject({
      summary: 'done',
      unfinished: `codex's edits failed: Failed to write file ${SPEC}`,
    });
  });

  it('a patch the sandbox policy rejected, and commands the sandbox refused', () => {
    const refused = JSON.stringify({
      type: 'item.completed',
      item: {
        type: 'command_execution',
        command: "/bin/bash -lc 'echo hi > x.txt'",
        aggregated_output: 'bwrap: Creating new namespace failed: nesting depth\n',
        exit_code: 1,
        status: 'failed',
      },
    });
    const log = [
      refused,
      ...DONE,
      'Z ERROR codex_core::tools::router: error=patch rejected: writing is blocked by read-only sandbox; rejected by user approval settings',
    ].join('\n');
    expect(parseCodexOutput(log).unfinished).toBe(
      "codex's edits failed: patch rejected: writing is blocked by read-only sandbox; rejected by user approval settings. " +
        "codex's sandbox refused `/bin/bash -lc 'echo hi > x.txt'`: bwrap: Creating new namespace failed: nesting depth",
    );
  });

  it('not: a patch that did not match (the model’s slip), a failing command, an edit redone successfully', () => {
    const failingTest = JSON.stringify({
      type: 'item.completed',
      item: {
        type: 'command_execution',
        command: 'npm test',
        aggregated_output: '1 failing\n',
        exit_code: 1,
        status: 'failed',
      },
    });
    const log = [
      fileChange('failed'),
      fileChange('completed'),
      failingTest,
      ...DONE,
      'Z ERROR codex_core::tools::router: error=apply_patch verification failed: Failed to find expected lines in /w/a.txt:',
    ].join('\n');
    expect(parseCodexOutput(log).unfinished).toBeUndefined();
  });
});

describe('claude, gemini, aider', () => {
  it('claude: permission_denials are listed', () => {
    const result = {
      type: 'result',
      is_error: false,
      result: 'done',
      permission_denials: [
        { tool_name: 'Write', tool_use_id: 't1', tool_input: { file_path: '/etc/x', content: 'x' } },
        { tool_name: 'Bash', tool_use_id: 't2', tool_input: { command: 'npm   test' } },
      ],
    };
    expect(parseClaudeOutput(JSON.stringify(result)).unfinished).toBe(
      'claude was denied 2 tool calls: Write /etc/x; Bash npm test',
    );
    expect(parseClaudeOutput(JSON.stringify({ ...result, permission_denials: [] })).unfinished).toBeUndefined();
  });

  it('gemini: tool errors that are refusals, and rejected calls', () => {
    const doc = {
      session_id: 's',
      response: 'done',
      stats: { tools: { byName: { replace: { count: 1, decisions: { reject: 1 } } } } },
    };
    const log = `${JSON.stringify(doc, null, 2)}\nError executing tool write_file: Path not in workspace: Attempted path "/etc/x" resolves outside the allowed workspace directories\nError executing tool replace: could not find the string to replace\n`;
    expect(parseGeminiOutput(log).unfinished).toBe(
      'gemini\'s tool calls were refused: write_file: Path not in workspace: Attempted path "/etc/x" resolves outside the allowed workspace directories; replace: 1 call rejected',
    );
  });

  it('aider: files it could not write', () => {
    expect(parseAiderOutput('Unable to write file src/a.py: [Errno 30] Read-only file system\n').unfinished).toBe(
      'aider could not write src/a.py: [Errno 30] Read-only file system',
    );
  });
});

describe("codex's sandbox plan", () => {
  const works: ProbeResult = { state: 'works' };
  const broken: ProbeResult = { state: 'broken', reason: 'bwrap: Creating new namespace failed' };
  const noBwrap: ProbeResult = { state: 'missing', reason: 'bwrap is not installed' };

  it('its own sandbox where it works (or cannot be judged), Todone’s where it does not, else a refusal that says why', () => {
    expect(planCodexSandbox(works, noBwrap)).toEqual({ use: 'codex' });
    expect(planCodexSandbox({ state: 'unknown', reason: 'timed out' }, noBwrap)).toEqual({ use: 'codex' });
    expect(planCodexSandbox({ state: 'missing', reason: 'not installed' }, noBwrap)).toEqual({ use: 'codex' });
    expect(planCodexSandbox(broken, works)).toEqual({ use: 'todone' });
    const refused = planCodexSandbox(broken, noBwrap);
    expect(refused.use).toBe('none');
    expect(refused.use === 'none' && refused.message).toMatch(
      /^codex's sandbox does not work on this host \(bwrap: Creating new namespace failed\) and Todone cannot confine codex with bubblewrap either \(bwrap is not installed\)/,
    );
    expect(describeCodexSandbox(broken, works)).toMatch(/inside Todone's bubblewrap confinement/);
    expect(describeCodexSandbox(broken, noBwrap)).toMatch(/codex tasks are refused/);
    expect(describeCodexSandbox(works, noBwrap)).toMatch(/^Codex sandbox: works on this host/);
  });

  it('a board that sets codex’s sandbox itself gets exactly that', () => {
    expect(boardChoosesCodexSandbox(['--sandbox', 'read-only'])).toBe(true);
    expect(boardChoosesCodexSandbox(['-c', 'sandbox_mode="danger-full-access"'])).toBe(true);
    expect(boardChoosesCodexSandbox(['--dangerously-bypass-approvals-and-sandbox'])).toBe(true);
    expect(boardChoosesCodexSandbox(['-c', 'model_reasoning_effort=high'])).toBe(false);
    const ctx = {
      prompt: 'p',
      promptFile: '/p.md',
      worktree: '/w',
      taskId: 't',
      boardId: 'b',
      attempt: 1,
      logDir: '/l',
    };
    const args = (extra: string[], confinedByTodone = false) =>
      agentInvocation({ ...ctx, agent: { kind: 'codex', args: extra, env: {} }, confinedByTodone }).args;
    expect(args(['--sandbox', 'read-only']).filter((a) => a === '--sandbox')).toHaveLength(1);
    expect(args([], true)).toContain('--dangerously-bypass-approvals-and-sandbox');
    expect(args([], true)).not.toContain('--sandbox');
  });
});

describe('expectChanges', () => {
  const load = (board: Record<string, unknown>) =>
    normaliseBoard({ name: 'b', repo: '.', ...board }, { source: 'request', baseDir: '/srv/b' }).tasks.map((t) => [
      t.id,
      t.expectChanges,
    ]);
  const tasks = [
    { id: 'b', type: 'build', agent: 'true' },
    { id: 'a', type: 'analyze', agent: 'true' },
    { id: 'r', type: 'review', agent: 'true' },
    { id: 'g', agent: 'true' },
    { id: 'own', type: 'review', agent: 'true', expectChanges: true },
  ];

  it('on for tasks that change files, off for analyze and review; the board, per type, and the task override', () => {
    expect(load({ tasks })).toEqual([
      ['b', true],
      ['a', false],
      ['r', false],
      ['g', true],
      ['own', true],
    ]);
    expect(load({ expectChanges: false, tasks })).toEqual([
      ['b', false],
      ['a', false],
      ['r', false],
      ['g', false],
      ['own', true],
    ]);
    expect(load({ expectChanges: { analyze: true, build: false }, tasks })).toEqual([
      ['b', false],
      ['a', true],
      ['r', false],
      ['g', true],
      ['own', true],
    ]);
    expect(
      normaliseBoard({ name: 'b', tasks: [{ id: 'x', agent: 'true' }] }, { source: 'request', baseDir: '/' }).tasks[0]!
        .expectChanges,
    ).toBeUndefined();
  });

  it('the retry’s prompt says why the previous attempt was rejected', () => {
    const prompt = buildPrompt({
      taskId: 't',
      type: 'build',
      description: 'd',
      worktree: '/w',
      committedByTodone: true,
      previousUnfinished: { attempt: 1, reason: 'the agent reported success but changed nothing' },
    });
    expect(prompt).toContain(
      "## The previous attempt's work did not happen\n\nAttempt 1 reported success, but Todone rejected it: the agent reported success but changed nothing",
    );
  });
});
