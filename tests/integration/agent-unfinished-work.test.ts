/**
 * An agent that exits 0 and says "done" has not necessarily done its work. The runTask activity
 * with the real Codex CLI and Claude Code against the scripted model server: codex's own editing
 * tool (apply_patch) under its sandbox, under a sandbox that refuses it, and where its sandbox
 * cannot set up at all (codex run where user namespaces are off, as in many containers), where
 * Todone confines it with bubblewrap instead, or refuses plainly when it cannot.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hostSandboxProbes, type SandboxProbes } from '../../activities/agents/host-sandboxes.js';
import { probeCodexSandbox } from '../../activities/agents/codex-sandbox-probe.js';
import { probeConfinement } from '../../activities/process/sandbox.js';
import { createRunTask } from '../../activities/run-task.js';
import type { RunTaskInput } from '../../activities/types.js';
import { FAILURE_TYPES } from '../../workflows/api.js';
import type { AgentSpec, CliAgentSpec } from '../../src/core/board.js';
import { claudeInvocation, cliPath, codexInvocation } from '../fixtures/model-server/clis.js';
import { addFilePatch, updateLinePatch } from '../fixtures/model-server/script.js';
import { startModelServer, type ModelScript, type ModelServer } from '../fixtures/model-server/server.js';
import { failure, taskActivityEnvironment } from '../support/activity-failure.js';
import { bwrapPath } from '../support/tools.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

const BOARD = 'unfinished-board';

interface Box {
  root: string;
  home: string;
  work: string;
  cliHome: string;
  server: ModelServer;
  taskDir: string;
}

async function box(script: ModelScript): Promise<Box> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-unfinished-'));
  cleanup.push(() => fs.rm(root, { recursive: true, force: true }));
  const [home, work, cliHome] = ['home', 'work', 'cli-home'].map((name) => path.join(root, name)) as [
    string,
    string,
    string,
  ];
  await Promise.all([home, work, cliHome].map((dir) => fs.mkdir(dir)));
  const server = await startModelServer({ ...script, cwd: work });
  cleanup.push(() => server.close());
  return { root, home, work, cliHome, server, taskDir: path.join(home, 'boards', BOARD, 'tasks', 't1') };
}

/** Codex or Claude as a board would configure it: the fixture's offline environment, and codex's provider flags. */
async function agent(
  kind: 'codex' | 'claude',
  b: Box,
  extra: { bin?: string; args?: string[] } = {},
): Promise<CliAgentSpec> {
  const options = { serverUrl: b.server.url, cwd: b.work, home: b.cliHome, prompt: '' };
  const invocation = kind === 'codex' ? await codexInvocation(options) : await claudeInvocation(options);
  const args = kind === 'codex' ? invocation.args.slice(invocation.args.indexOf('workspace-write') + 1, -1) : [];
  return { kind, bin: extra.bin ?? cliPath(kind), args: [...args, ...(extra.args ?? [])], env: invocation.env };
}

/**
 * Codex where its sandbox cannot set up: run inside a user namespace that allows no further ones,
 * which is what its bubblewrap sandbox needs (the situation in many containers).
 */
async function codexWithoutUserNamespaces(b: Box): Promise<string> {
  const wrapper = path.join(b.root, 'codex-no-userns');
  await fs.writeFile(
    wrapper,
    `#!/bin/sh\nexec '${await bwrapPath()}' --unshare-user --disable-userns --bind / / --dev /dev -- '${cliPath('codex')}' "$@"\n`,
    { mode: 0o755 },
  );
  return wrapper;
}

function input(b: Box, agentSpec: AgentSpec, extra: Partial<RunTaskInput> = {}): RunTaskInput {
  return {
    boardId: BOARD,
    taskId: 't1',
    type: 'build',
    description: 'Write docs/spec.txt.',
    workdir: b.work,
    agent: agentSpec,
    ...extra,
  };
}

function run(
  b: Box,
  taskInput: RunTaskInput,
  attempt = 1,
  sandboxes: SandboxProbes = hostSandboxProbes,
): Promise<{ summary?: string }> {
  const env = taskActivityEnvironment({ attempt, heartbeatTimeoutMs: 900 });
  return env.run(createRunTask({ home: b.home, sandboxes }), taskInput);
}

const CREATE_AND_UPDATE: ModelScript = {
  turns: [
    { applyPatch: addFilePatch('docs/spec.txt', ['# Spec', 'draft']) },
    { applyPatch: updateLinePatch('docs/spec.txt', 'draft', 'final') },
    { text: 'Wrote docs/spec.txt.' },
  ],
};

describe('codex editing with apply_patch', () => {
  it('creates and updates a file under its own sandbox where that works', async () => {
    expect((await probeCodexSandbox(cliPath('codex'))).state).toBe('works');
    const b = await box(CREATE_AND_UPDATE);
    const result = await run(b, input(b, await agent('codex', b)));

    expect(await fs.readFile(path.join(b.work, 'docs/spec.txt'), 'utf8')).toBe('# Spec\nfinal\n');
    expect(result.summary).toBe('Wrote docs/spec.txt.');
  });

  it('a denied edit fails the attempt with codex’s own message, and the retry’s prompt repeats it', async () => {
    const b = await box({ turns: [{ applyPatch: addFilePatch('docs/spec.txt', ['x']) }, { text: 'done' }] });
    const taskInput = input(b, await agent('codex', b, { args: ['--sandbox', 'read-only'] }));
    const error = await failure(run(b, taskInput));

    expect(error.type).toBe(FAILURE_TYPES.taskFailed);
    expect(error.nonRetryable).toBe(false);
    expect(error.message).toBe(
      "codex's edits failed: patch rejected: writing is blocked by read-only sandbox; rejected by user approval settings",
    );
    await expect(fs.access(path.join(b.work, 'docs/spec.txt'))).rejects.toThrow();

    await failure(run(b, taskInput, 2));
    const prompt = await fs.readFile(path.join(b.taskDir, 'prompt-2.md'), 'utf8');
    expect(prompt).toContain("The previous attempt's work did not happen");
    expect(prompt).toContain('writing is blocked by read-only sandbox');
  });
});

describe('codex where its own sandbox cannot set up', () => {
  it('the probe finds it broken, with the sandbox’s own complaint', async () => {
    const b = await box({ turns: [{ text: 'unused' }] });
    const probe = await probeCodexSandbox(await codexWithoutUserNamespaces(b));
    expect(probe).toMatchObject({ state: 'broken', reason: expect.stringMatching(/^bwrap: .*namespace/) as string });
  });

  it('without Todone’s confinement, its failed edit fails the attempt (it exits 0 and says done)', async () => {
    const b = await box({ turns: [{ applyPatch: addFilePatch('docs/spec.txt', ['x']) }, { text: 'done' }] });
    // The probes are told all is well, so codex runs with its own (broken) sandbox as before.
    const trusting: SandboxProbes = {
      bwrap: await bwrapPath(),
      codex: () => Promise.resolve({ state: 'works' }),
      confinement: () => Promise.resolve({ state: 'works' }),
      filteredNetwork: (allow, env) => hostSandboxProbes.filteredNetwork(allow, env),
    };
    const error = await failure(
      run(b, input(b, await agent('codex', b, { bin: await codexWithoutUserNamespaces(b) })), 1, trusting),
    );

    expect(error.type).toBe(FAILURE_TYPES.taskFailed);
    expect(error.message).toBe(`codex's edits failed: Failed to write file ${path.join(b.work, 'docs/spec.txt')}`);
  });

  it('runs with its sandbox off inside Todone’s bubblewrap confinement: edits land, writes elsewhere are refused', async () => {
    expect(await probeConfinement(await bwrapPath())).toEqual({ state: 'works' });
    const b = await box(CREATE_AND_UPDATE);
    const result = await run(b, input(b, await agent('codex', b, { bin: await codexWithoutUserNamespaces(b) })));
    expect(await fs.readFile(path.join(b.work, 'docs/spec.txt'), 'utf8')).toBe('# Spec\nfinal\n');
    expect(result.summary).toBe('Wrote docs/spec.txt.');

    // Not under /tmp, which the confinement replaces with a private one: on the host's own disk.
    const outsideDir = await fs.mkdtemp('/var/tmp/todone-outside-');
    cleanup.push(() => fs.rm(outsideDir, { recursive: true, force: true }));
    const outside = path.join(outsideDir, 'outside.txt');
    const c = await box({ turns: [{ applyPatch: addFilePatch(outside, ['x']) }, { text: 'done' }] });
    const error = await failure(
      run(c, input(c, await agent('codex', c, { bin: await codexWithoutUserNamespaces(c) }))),
    );
    expect(error.message).toMatch(/^codex's edits failed: Failed to write file /);
    await expect(fs.access(outside)).rejects.toThrow();
  });

  it('is refused, saying why, when bubblewrap cannot confine it either', async () => {
    const b = await box({ turns: [{ applyPatch: addFilePatch('docs/spec.txt', ['x']) }, { text: 'done' }] });
    const noBwrap: SandboxProbes = {
      ...hostSandboxProbes,
      bwrap: path.join(b.root, 'no-bwrap'),
      confinement: () => probeConfinement(path.join(b.root, 'no-bwrap')),
    };
    const error = await failure(
      run(b, input(b, await agent('codex', b, { bin: await codexWithoutUserNamespaces(b) })), 1, noBwrap),
    );

    expect(error.type).toBe(FAILURE_TYPES.invalidTask);
    expect(error.nonRetryable).toBe(true);
    expect(error.message).toMatch(
      /^codex's sandbox does not work on this host \(bwrap: .*\) and Todone cannot confine codex with bubblewrap either \(.*no-bwrap could not be run \(not found\): is bubblewrap installed\?\)/,
    );
    expect(b.server.turnRequests()).toHaveLength(0);
  });
});

describe('claude', () => {
  it('a tool call its permission mode denied fails the attempt, listing the denial', async () => {
    const b = await box({
      turns: [{ writeFile: { path: '/etc/todone-denied.txt', content: 'x\n' } }, { text: 'Done.' }],
    });
    const error = await failure(run(b, input(b, await agent('claude', b))));

    expect(error.type).toBe(FAILURE_TYPES.taskFailed);
    expect(error.message).toBe('claude was denied 1 tool call: Write /etc/todone-denied.txt');
    await expect(fs.access('/etc/todone-denied.txt')).rejects.toThrow();
  });
});
