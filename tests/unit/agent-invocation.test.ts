/** Each adapter's argv, exactly: the prompt is one argument, nothing goes through a shell. */
import { describe, expect, it } from 'vitest';
import { agentInvocation, type AgentContext } from '../../activities/agents/index.js';
import { MAX_PROMPT_ARGUMENT_BYTES } from '../../activities/agents/prompt-argument.js';
import type { ResolvedAgent } from '../../activities/agents/types.js';
import type { CliAgentSpec } from '../../src/core/board.js';

/** Characters a shell would act on: they must reach the agent untouched. */
const PROMPT = '# Task t1 (build)\n\nFix `$(rm -rf ~)` in "a b.ts"; don\'t touch $HOME or {worktree}.\n';

function ctx(agent: ResolvedAgent, prompt = PROMPT): AgentContext {
  return {
    agent,
    prompt,
    promptFile: '/data/boards/b1/tasks/t1/prompt-2.md',
    worktree: '/wt/b1/t1',
    taskId: 't1',
    boardId: 'b1',
    attempt: 2,
    logDir: '/data/boards/b1/tasks/t1',
  };
}

describe('shell', () => {
  it('runs a string through /bin/sh -c and an argv directly', () => {
    expect(agentInvocation(ctx({ kind: 'shell', command: 'make test', env: { CI: '1' } }))).toEqual({
      file: '/bin/sh',
      args: ['-c', 'make test'],
      env: { CI: '1' },
    });
    expect(agentInvocation(ctx({ kind: 'shell', command: ['npm', 'run', 'build'], env: {} }))).toEqual({
      file: 'npm',
      args: ['run', 'build'],
      env: {},
    });
  });
});

describe('claude', () => {
  it('uses print mode with JSON output, the prompt right after -p, then model and args', () => {
    const agent: ResolvedAgent = {
      kind: 'claude',
      model: 'opus',
      args: ['--allowedTools', 'Bash', 'Edit'],
      env: { ANTHROPIC_BASE_URL: 'http://x' },
    };
    expect(agentInvocation(ctx(agent))).toEqual({
      file: 'claude',
      args: [
        '-p',
        PROMPT,
        '--output-format',
        'json',
        '--permission-mode',
        'acceptEdits',
        '--model',
        'opus',
        '--allowedTools',
        'Bash',
        'Edit',
      ],
      env: { ANTHROPIC_BASE_URL: 'http://x' },
    });
  });

  it('honours bin and leaves --model out when no model is set', () => {
    expect(agentInvocation(ctx({ kind: 'claude', args: [], env: {}, bin: '/opt/claude' }))).toEqual({
      file: '/opt/claude',
      args: ['-p', PROMPT, '--output-format', 'json', '--permission-mode', 'acceptEdits'],
      env: {},
    });
  });

  it("bypasses its permissions only when the board says permissive, saying it is sandboxed only inside Todone's sandbox", () => {
    const run = (agent: Partial<ResolvedAgent<CliAgentSpec>>, confinedByTodone: boolean) =>
      agentInvocation({ ...ctx({ kind: 'claude', args: [], env: {}, ...agent }), confinedByTodone });
    expect(run({}, true).args).toContain('acceptEdits');
    expect(run({ permissive: true }, false)).toMatchObject({
      args: expect.arrayContaining(['bypassPermissions']) as string[],
      env: {},
    });
    expect(run({ permissive: true }, true)).toMatchObject({
      args: expect.arrayContaining(['bypassPermissions']) as string[],
      env: { IS_SANDBOX: '1' },
    });
  });
});

describe('codex', () => {
  it('uses exec --json in a workspace-write sandbox, with the prompt last after --', () => {
    expect(
      agentInvocation(
        ctx({ kind: 'codex', model: 'gpt-5-codex', args: ['-c', 'model_reasoning_effort=high'], env: {} }),
      ),
    ).toEqual({
      file: 'codex',
      args: [
        'exec',
        '--json',
        '--skip-git-repo-check',
        '--sandbox',
        'workspace-write',
        '-m',
        'gpt-5-codex',
        '-c',
        'model_reasoning_effort=high',
        '--',
        PROMPT,
      ],
      env: {},
    });
  });

  it("turns its own sandbox off inside Todone's, or when the board says permissive, and not when it says otherwise", () => {
    const flags = (agent: Partial<ResolvedAgent<CliAgentSpec>>, confinedByTodone: boolean) =>
      agentInvocation({ ...ctx({ kind: 'codex', args: [], env: {}, ...agent }), confinedByTodone }).args.slice(3, -2);
    expect(flags({}, true)).toEqual(['--dangerously-bypass-approvals-and-sandbox']);
    expect(flags({ permissive: true }, false)).toEqual(['--dangerously-bypass-approvals-and-sandbox']);
    expect(flags({ permissive: false }, true)).toEqual(['--sandbox', 'workspace-write']);
  });
});

describe('gemini', () => {
  it("uses headless JSON output in yolo mode inside Todone's sandbox, skipping the trust prompt", () => {
    expect(
      agentInvocation({
        ...ctx({ kind: 'gemini', model: 'gemini-2.5-pro', args: ['--debug'], env: { GEMINI_API_KEY: 'k' } }),
        confinedByTodone: true,
      }),
    ).toEqual({
      file: 'gemini',
      args: ['-p', PROMPT, '-o', 'json', '--approval-mode', 'yolo', '--skip-trust', '-m', 'gemini-2.5-pro', '--debug'],
      env: { GEMINI_API_KEY: 'k' },
    });
  });

  it('approves only its edits outside a sandbox, unless the board says permissive', () => {
    const mode = (agent: Partial<ResolvedAgent<CliAgentSpec>>, confinedByTodone = false) => {
      const { args } = agentInvocation({ ...ctx({ kind: 'gemini', args: [], env: {}, ...agent }), confinedByTodone });
      return args[args.indexOf('--approval-mode') + 1];
    };
    expect(mode({})).toBe('auto_edit');
    expect(mode({ permissive: true })).toBe('yolo');
    expect(mode({ permissive: false }, true)).toBe('auto_edit');
  });
});

describe('aider', () => {
  it('sends one message, never commits, and keeps its history files in the log folder', () => {
    expect(agentInvocation(ctx({ kind: 'aider', model: 'sonnet', args: ['--map-tokens', '0'], env: {} }))).toEqual({
      file: 'aider',
      args: [
        '--message',
        PROMPT,
        '--yes-always',
        '--no-auto-commits',
        '--no-check-update',
        '--no-analytics',
        '--no-pretty',
        // Outside a sandbox, --yes-always must not run shell commands it would suggest.
        '--no-suggest-shell-commands',
        '--no-gitignore',
        '--chat-history-file',
        '/data/boards/b1/tasks/t1/aider-chat-2.md',
        '--input-history-file',
        '/data/boards/b1/tasks/t1/aider-input-2.history',
        '--model',
        'sonnet',
        '--map-tokens',
        '0',
      ],
      env: {},
    });
  });
});

describe('custom', () => {
  it('fills every placeholder inside its argument, in one pass', () => {
    const agent: ResolvedAgent = {
      kind: 'custom',
      command: [
        '{worktree}/bin/agent',
        '--task={taskId}@{boardId}#{attempt}',
        '--prompt',
        '{prompt}',
        '--file={promptFile}',
        '{unknown}',
        'literal {"json": 1}',
      ],
      env: { MODE: 'fast' },
    };
    expect(agentInvocation(ctx(agent))).toEqual({
      file: '/wt/b1/t1/bin/agent',
      // The prompt's own "{worktree}" stays as written.
      args: [
        '--task=t1@b1#2',
        '--prompt',
        PROMPT,
        '--file=/data/boards/b1/tasks/t1/prompt-2.md',
        '{unknown}',
        'literal {"json": 1}',
      ],
      env: { MODE: 'fast' },
    });
  });
});

describe('a prompt too big for one argument', () => {
  it.each(['claude', 'codex', 'gemini', 'aider'] as const)('%s gets a pointer to the prompt file instead', (kind) => {
    const huge = `# Task\n\n${'x'.repeat(MAX_PROMPT_ARGUMENT_BYTES)}`;
    const { args } = agentInvocation(ctx({ kind, args: [], env: {} }, huge));
    expect(args).not.toContain(huge);
    expect(args.some((arg) => arg.includes('/data/boards/b1/tasks/t1/prompt-2.md') && arg.length < 300)).toBe(true);
  });

  it('custom {prompt} gets the pointer too, {promptFile} the path', () => {
    const huge = 'é'.repeat(MAX_PROMPT_ARGUMENT_BYTES / 2 + 1);
    const { args } = agentInvocation(ctx({ kind: 'custom', command: ['a', '{prompt}'], env: {} }, huge));
    expect(args[0]).toMatch(/^Your task is described in the file \/data\/boards\/b1\/tasks\/t1\/prompt-2\.md/);
  });
});
