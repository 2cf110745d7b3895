/**
 * On a git board, "succeeded" means the work was done: codex editing with its own tool
 * (apply_patch) lands its change on the integration branch for its dependents, and a task expected
 * to change files that changed nothing fails, retried with a prompt that says so.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentSpec, CliAgentSpec } from '../../src/core/board.js';
import type { BoardResult, TaskStatus } from '../../src/core/run-state.js';
import { cliPath, codexInvocation } from '../fixtures/model-server/clis.js';
import { addFilePatch, updateLinePatch, type ModelScript } from '../fixtures/model-server/script.js';
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

async function codex(script: ModelScript): Promise<CliAgentSpec> {
  const server = await startModelServer(script);
  servers.push(server);
  const invocation = await codexInvocation({
    serverUrl: server.url,
    cwd: '.',
    home: await h.tempDir('todone-codex-home-'),
    prompt: '',
  });
  return {
    kind: 'codex',
    bin: cliPath('codex'),
    args: invocation.args.slice(invocation.args.indexOf('workspace-write') + 1, -1),
    env: invocation.env,
  };
}

type BoardTask = TestTask & { agent?: AgentSpec; expectChanges?: boolean };

/** A git board whose tasks expect changes as the loader would have them (generic tasks: on), unless a task says otherwise. */
async function gitBoard(name: string, tasks: BoardTask[]) {
  const root = await h.tempDir('todone-work-');
  const repo = await createRepo(path.join(root, 'repo'), { 'docs/spec.txt': '# Spec\ndraft\n' });
  const board = makeBoard(`${name}-${randomUUID().slice(0, 8)}`, repo, tasks, {
    git: gitSpec(repo, path.join(root, 'trees')),
  });
  tasks.forEach((t, i) => {
    const spec = board.tasks[i]!;
    if (t.agent) spec.agent = t.agent;
    spec.expectChanges = t.expectChanges ?? true;
  });
  return { repo, board };
}

describe('agents that report success', () => {
  it('codex creating and updating files with apply_patch lands both on the integration branch, under its dependents', async () => {
    const agent = await codex({
      turns: [
        { applyPatch: addFilePatch('docs/usage.txt', ['Run it.']) },
        { applyPatch: updateLinePatch('docs/spec.txt', 'draft', 'final') },
        { text: 'Wrote docs/usage.txt and finished docs/spec.txt.' },
      ],
    });
    const { repo, board } = await gitBoard('apply-patch', [
      { id: 'write-docs', agent },
      { id: 'use-docs', dependsOn: ['write-docs'], command: 'cat docs/spec.txt docs/usage.txt > combined.txt' },
    ]);
    const result = await h.run(board);

    expect(result.tasks.map((t) => [t.id, t.state, t.reason])).toEqual([
      ['write-docs', 'succeeded', undefined],
      ['use-docs', 'succeeded', undefined],
    ]);
    expect(await showFile(repo, result.integration!.branch, 'docs/usage.txt')).toBe('Run it.');
    expect(await showFile(repo, result.integration!.branch, 'combined.txt')).toBe('# Spec\nfinal\nRun it.');
  });

  it('a task expected to change files that changed nothing fails, its retry told so; expectChanges: false lets it pass', async () => {
    const talker = await codex({ turns: [{ text: 'All done, nothing needed changing.' }] });
    const { board } = await gitBoard('no-change', [
      { id: 'idle-shell', command: 'echo "looked around"', retry: { maxAttempts: 2 } },
      { id: 'idle-codex', agent: talker, retry: { maxAttempts: 1 } },
      { id: 'after', dependsOn: ['idle-shell'], command: 'echo never > never.txt' },
      { id: 'read-only', command: 'echo "looked around"', expectChanges: false },
    ]);
    const result = await h.run(board);

    expect(result.tasks.map((t) => [t.id, t.state, t.attempts, t.reason])).toEqual([
      ['idle-shell', 'failed', 2, 'the agent reported success but changed nothing'],
      ['idle-codex', 'failed', 1, 'the agent reported success but changed nothing'],
      ['after', 'skipped', 0, expect.stringContaining('idle-shell') as string],
      ['read-only', 'succeeded', 1, undefined],
    ]);
    const prompt = await fs.readFile(
      path.join(path.dirname(task(result, 'idle-shell').logPath!), 'prompt-2.md'),
      'utf8',
    );
    expect(prompt).toContain(
      'Attempt 1 reported success, but Todone rejected it: the agent reported success but changed nothing',
    );
  });
});
