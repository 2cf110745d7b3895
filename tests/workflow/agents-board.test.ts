/**
 * A board mixing agent kinds, end to end on the real dev server with worktrees: the real Claude
 * Code and Codex CLIs (offline, through the scripted model server) and a shell task with a check.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentSpec, BoardSpec, CliAgentSpec } from '../../src/core/board.js';
import type { BoardResult, TaskStatus } from '../../src/core/run-state.js';
import { claudeInvocation, cliPath, codexInvocation } from '../fixtures/model-server/clis.js';
import type { ModelScript } from '../fixtures/model-server/script.js';
import { startModelServer, type ModelServer } from '../fixtures/model-server/server.js';
import { gitSpec, makeBoard, type TestTask } from '../support/boards.js';
import { createRepo, showFile } from '../support/git-repo.js';
import { createHarness, type Harness } from '../support/harness.js';

let h: Harness;
const servers: ModelServer[] = [];
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await h?.close();
});

const task = (result: BoardResult, id: string): TaskStatus => result.tasks.find((t) => t.id === id)!;

/** A CLI agent as a board would configure it, pointed at its own scripted model server. */
async function agentFor(kind: 'claude' | 'codex', script: ModelScript): Promise<CliAgentSpec> {
  const server = await startModelServer(script);
  servers.push(server);
  const options = { serverUrl: server.url, cwd: '.', home: await h.tempDir(`todone-${kind}-home-`), prompt: '' };
  const invocation = kind === 'claude' ? await claudeInvocation(options) : await codexInvocation(options);
  // Codex's provider settings are the `-c` flags between its sandbox flag and the prompt.
  const args = kind === 'codex' ? invocation.args.slice(invocation.args.indexOf('workspace-write') + 1, -1) : [];
  return { kind, bin: cliPath(kind), args, env: invocation.env };
}

async function boardWith(
  name: string,
  tasks: (TestTask & { agent?: AgentSpec; validate?: string[] })[],
  extra: Partial<BoardSpec> = {},
) {
  const root = await h.tempDir('todone-agents-');
  const repo = await createRepo(path.join(root, 'repo'));
  const board = makeBoard(`${name}-${randomUUID().slice(0, 8)}`, repo, tasks, {
    ...extra,
    git: gitSpec(repo, path.join(root, 'trees')),
  });
  tasks.forEach((t, i) => {
    const spec = board.tasks[i]!;
    if (t.agent) spec.agent = t.agent;
    if (t.validate) spec.validate = t.validate.map((run) => ({ run, required: true }));
  });
  return { repo, board };
}

describe('a board of real coding agents', () => {
  it('runs claude, codex and a shell check in worktrees and reports each agent, attempt and usage', async () => {
    const claude = await agentFor('claude', {
      turns: [
        { writeFile: { path: 'from-claude.txt', content: 'claude was here\n' } },
        { text: 'Wrote from-claude.txt.', usage: { input: 1200, output: 80 } },
      ],
    });
    const codex = await agentFor('codex', {
      turns: [
        { writeFile: { path: 'from-codex.txt', content: 'codex was here\n' } },
        { text: 'Wrote from-codex.txt.', usage: { input: 900, output: 60 } },
      ],
    });
    const { repo, board } = await boardWith('mixed', [
      { id: 'claude-task', agent: claude },
      { id: 'codex-task', agent: codex },
      {
        id: 'combine',
        dependsOn: ['claude-task', 'codex-task'],
        command: 'cat from-claude.txt from-codex.txt > both.txt',
        validate: ['grep -q codex both.txt'],
      },
    ]);
    const result = await h.run(board);

    expect(result.tasks.map((t) => [t.id, t.state, t.agent, t.attempts, t.reason])).toEqual([
      ['claude-task', 'succeeded', 'claude', 1, undefined],
      ['codex-task', 'succeeded', 'codex', 1, undefined],
      ['combine', 'succeeded', 'shell', 1, undefined],
    ]);
    expect(task(result, 'claude-task').usage?.outputTokens).toBeGreaterThan(0);
    expect(task(result, 'claude-task').usage?.costUsd).toBeGreaterThan(0);
    expect(task(result, 'codex-task').usage?.inputTokens).toBeGreaterThan(0);
    expect(result.usage!.inputTokens).toBe(
      task(result, 'claude-task').usage!.inputTokens + task(result, 'codex-task').usage!.inputTokens,
    );
    expect(await showFile(repo, result.integration!.branch, 'both.txt')).toBe('claude was here\ncodex was here');
    // The dependent's prompt told it what its dependencies changed.
    const prompt = await fs.readFile(path.join(path.dirname(task(result, 'combine').logPath!), 'prompt-1.md'), 'utf8');
    expect(prompt).toContain('from-claude.txt');
    expect(prompt).toContain('from-codex.txt');
  });

  it('stops starting tasks once the board budget is spent, and says so', async () => {
    const claude = await agentFor('claude', {
      turns: [
        { writeFile: { path: 'spent.txt', content: 'x\n' } },
        { text: 'done', usage: { input: 5000, output: 500 } },
      ],
    });
    const { board } = await boardWith(
      'budget',
      [
        { id: 'expensive', agent: claude, priority: 10 },
        { id: 'later', command: 'echo never > never.txt' },
      ],
      { maxParallel: 1, budget: { tokens: 1000, onExhausted: 'finish' } },
    );
    const result = await h.run(board);

    expect(task(result, 'expensive').state).toBe('succeeded');
    expect(task(result, 'later')).toMatchObject({ state: 'skipped' });
    expect(task(result, 'later').reason).toMatch(/^budget exhausted: spent \d+ of a 1000-token budget$/);
    expect(result.budget?.exhausted).toMatch(/1000-token budget/);
    expect(result.state).toBe('failed');
  });

  it('runs aider (a stand-in honouring its flags and output) and reads its token report', async () => {
    const aider = fileURLToPath(new URL('../fixtures/fake-aider/aider', import.meta.url));
    const { repo, board } = await boardWith('aider', [
      {
        id: 'with-aider',
        agent: {
          kind: 'aider',
          model: 'gpt-4o',
          args: [],
          env: { FAKE_AIDER_WRITE: 'aider.txt=from aider' },
          bin: aider,
        },
      },
    ]);
    const result = await h.run(board);

    expect(task(result, 'with-aider')).toMatchObject({
      state: 'succeeded',
      agent: 'aider',
      usage: { inputTokens: 2300, outputTokens: 120, costUsd: 0.0123 },
    });
    expect(await showFile(repo, result.integration!.branch, 'aider.txt')).toBe('from aider');
  });

  it('cancels running tasks when the budget is spent and onExhausted is cancel', async () => {
    const claude = await agentFor('claude', {
      turns: [
        { writeFile: { path: 'spent.txt', content: 'x\n' } },
        { text: 'done', usage: { input: 5000, output: 500 } },
      ],
    });
    const { board } = await boardWith(
      'budget-cancel',
      [
        { id: 'expensive', agent: claude },
        { id: 'slow', command: 'touch slow.started; sleep 60' },
      ],
      { maxParallel: 2, budget: { tokens: 1000, onExhausted: 'cancel' } },
    );
    const result = await h.run(board);

    expect(task(result, 'expensive').state).toBe('succeeded');
    expect(task(result, 'slow')).toMatchObject({ state: 'cancelled' });
    expect(task(result, 'slow').reason).toMatch(/^budget exhausted/);
  });
});
