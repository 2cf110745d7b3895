/**
 * The runTask activity (outside Temporal, through MockActivityEnvironment) with real agents: the
 * Claude Code, Codex and Gemini CLIs against the scripted model server, and shell/custom agents for
 * what no model is needed for (huge output, hanging). Checks the worktree, the payload and the disk.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Info } from '@temporalio/activity';
import { CancelledFailure, type ApplicationFailure } from '@temporalio/common';
import type { MockActivityEnvironment } from '@temporalio/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunTask } from '../../activities/run-task.js';
import type { RunTaskInput, TaskOutcome } from '../../activities/types.js';
import { FAILURE_TYPES } from '../../workflows/api.js';
import { asTaskOutcome } from '../../src/core/outcome.js';
import type { AgentSpec, CliAgentSpec } from '../../src/core/board.js';
import {
  claudeInvocation,
  cliPath,
  codexInvocation,
  geminiInvocation,
  type CliOptions,
} from '../fixtures/model-server/clis.js';
import { startModelServer, type ModelScript, type ModelServer } from '../fixtures/model-server/server.js';
import { waitFor } from '../support/wait-for.js';
import { failure, taskActivityEnvironment } from '../support/activity-failure.js';

const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

interface Sandbox {
  root: string;
  /** Todone's data folder: logs, prompts, pid files. */
  home: string;
  /** The task's folder (its worktree). */
  work: string;
  server: ModelServer;
  cli: CliOptions;
  taskDir: string;
  runTask: ReturnType<typeof createRunTask>;
}

const BOARD = 'agents-board';

async function sandbox(script: ModelScript = { turns: [{ text: 'nothing to do' }] }, taskId = 't1'): Promise<Sandbox> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-agent-adapters-'));
  cleanup.push(() => fs.rm(root, { recursive: true, force: true }));
  const [home, work, cliHome] = ['home', 'work', 'cli-home'].map((name) => path.join(root, name)) as [
    string,
    string,
    string,
  ];
  await Promise.all([home, work, cliHome].map((dir) => fs.mkdir(dir)));
  const server = await startModelServer({ ...script, cwd: work });
  cleanup.push(() => server.close());
  return {
    root,
    home,
    work,
    server,
    cli: { serverUrl: server.url, cwd: work, home: cliHome, prompt: '' },
    taskDir: path.join(home, 'boards', BOARD, 'tasks', taskId),
    runTask: createRunTask({ home }),
  };
}

/** The fixture's offline environment (and, for codex, its provider config) as a board would give it. */
async function cliAgent(
  kind: CliAgentSpec['kind'] & ('claude' | 'codex' | 'gemini'),
  box: Sandbox,
  extra: Partial<CliAgentSpec> = {},
): Promise<CliAgentSpec> {
  const build = { claude: claudeInvocation, codex: codexInvocation, gemini: geminiInvocation }[kind];
  const invocation = await build(box.cli);
  // Codex's provider settings are `-c` flags between the adapter's own flags and the prompt.
  const args = kind === 'codex' ? invocation.args.slice(invocation.args.indexOf('workspace-write') + 1, -1) : [];
  return {
    kind,
    bin: cliPath(kind),
    args: [...args, ...(extra.args ?? [])],
    env: invocation.env,
    ...(extra.model ? { model: extra.model } : {}),
  };
}

function taskInput(box: Sandbox, agent: AgentSpec, extra: Partial<RunTaskInput> = {}): RunTaskInput {
  return {
    boardId: BOARD,
    taskId: 't1',
    type: 'build',
    description: 'Create notes/hello.txt with a greeting.',
    workdir: box.work,
    agent,
    goal: 'Greet everyone.',
    ...extra,
  };
}

interface Attempt {
  env: MockActivityEnvironment;
  heartbeats: Record<string, unknown>[];
  result: Promise<TaskOutcome>;
}

function attempt(box: Sandbox, input: RunTaskInput, number = 1, info: Partial<Info> = {}): Attempt {
  const env = taskActivityEnvironment({ attempt: number, heartbeatTimeoutMs: 900, ...info });
  const heartbeats: Record<string, unknown>[] = [];
  env.on('heartbeat', (details: Record<string, unknown>) => heartbeats.push(details));
  return { env, heartbeats, result: env.run(box.runTask, input) };
}

function detailsOf(error: ApplicationFailure): TaskOutcome {
  const outcome = asTaskOutcome(error.details?.[0]);
  expect(outcome, "the failure carries the attempt's outcome").toBeDefined();
  return outcome!;
}

const EDIT_SCRIPT: ModelScript = {
  turns: [
    { writeFile: { path: 'notes/hello.txt', content: 'hello, world\n' }, usage: { input: 1000, output: 50 } },
    { text: 'Wrote notes/hello.txt.', usage: { input: 1200, output: 30, cacheRead: 400 } },
  ],
};

/** The first user message the model received: the prompt, as the CLI passed it on. */
function firstPromptSeen(server: ModelServer): string {
  return JSON.stringify(server.turnRequests()[0]?.body ?? '');
}

describe('CLI agents edit files through runTask', () => {
  it.each([
    {
      kind: 'claude' as const,
      usage: { inputTokens: 2600, outputTokens: 80, cachedInputTokens: 400, costUsd: expect.any(Number) as number },
    },
    { kind: 'codex' as const, usage: { inputTokens: 2200, outputTokens: 80, cachedInputTokens: 400 } },
    {
      kind: 'gemini' as const,
      usage: {
        inputTokens: expect.any(Number) as number,
        outputTokens: expect.any(Number) as number,
        cachedInputTokens: 400,
      },
    },
  ])('$kind: edits the worktree, reports usage and summary, passes validation', async ({ kind, usage }) => {
    const box = await sandbox(EDIT_SCRIPT);
    const input = taskInput(box, await cliAgent(kind, box), {
      validate: [{ run: 'grep -q "hello, world" notes/hello.txt', required: true }],
    });
    const result = await attempt(box, input).result;

    expect(await fs.readFile(path.join(box.work, 'notes/hello.txt'), 'utf8')).toBe('hello, world\n');
    expect(result).toMatchObject({
      attempts: 1,
      exitCode: 0,
      usage,
      summary: 'Wrote notes/hello.txt.',
      validation: [{ command: 'grep -q "hello, world" notes/hello.txt', passed: true, required: true, exitCode: 0 }],
      promptPath: path.join(box.taskDir, 'prompt-1.md'),
      logPath: path.join(box.taskDir, 'attempt-1.log'),
      validationLogPath: path.join(box.taskDir, 'validation-1.log'),
    });
    const prompt = await fs.readFile(result.promptPath!, 'utf8');
    expect(prompt).toContain('Create notes/hello.txt with a greeting.');
    expect(prompt).toContain('Greet everyone.');
    // The prompt reached the model as one argument, untouched by any shell.
    expect(firstPromptSeen(box.server)).toContain('Create notes/hello.txt with a greeting.');
    expect(existsSync(path.join(box.taskDir, 'process.json'))).toBe(false);
  });
});

describe('failing agents', () => {
  it.each(['claude', 'codex'] as const)(
    '%s: a model API 500 fails the attempt (retryable) with the CLI’s own error',
    async (kind) => {
      const box = await sandbox({ turns: [{ fail: 500, message: 'boom from server' }] });
      const started = Date.now();
      const error = await failure(attempt(box, taskInput(box, await cliAgent(kind, box))).result);

      expect(Date.now() - started).toBeLessThan(15_000);
      expect(error.type).toBe(FAILURE_TYPES.taskFailed);
      expect(error.nonRetryable).toBe(false);
      expect(error.message).toMatch(/^exited with code [1-9]/);
      expect(error.message).toMatch(kind === 'claude' ? /boom from server/ : /high demand/);
      expect(detailsOf(error)).toMatchObject({ attempts: 1, logPath: path.join(box.taskDir, 'attempt-1.log') });
    },
  );

  it('claude: exit 0 with is_error in its result is a failed attempt', async () => {
    const box = await sandbox();
    const fake = path.join(box.root, 'fake-claude');
    const result = {
      type: 'result',
      subtype: 'error_max_turns',
      is_error: true,
      result: 'Reached max turns',
      usage: { input_tokens: 10, output_tokens: 2 },
      total_cost_usd: 0.001,
    };
    await fs.writeFile(fake, `#!/bin/sh\necho '${JSON.stringify(result)}'\nexit 0\n`, { mode: 0o755 });
    const error = await failure(attempt(box, taskInput(box, { kind: 'claude', bin: fake, args: [], env: {} })).result);

    expect(error.type).toBe(FAILURE_TYPES.taskFailed);
    expect(error.message).toBe('the agent reported an error: Reached max turns');
    expect(detailsOf(error)).toMatchObject({
      exitCode: 0,
      usage: { inputTokens: 10, outputTokens: 2, costUsd: 0.001 },
    });
  });

  it('a CLI that is not installed fails at once, without retries, and says how to fix it', async () => {
    const box = await sandbox();
    const error = await failure(
      attempt(box, taskInput(box, { kind: 'codex', bin: path.join(box.root, 'no-such-codex'), args: [], env: {} }))
        .result,
    );
    expect(error.type).toBe(FAILURE_TYPES.invalidTask);
    expect(error.nonRetryable).toBe(true);
    expect(error.message).toContain('is the codex CLI installed');
  });
});

describe('bounded payloads', () => {
  it('an agent printing 30 MB leaves a complete log and a small result', async () => {
    const box = await sandbox();
    const agent: AgentSpec = {
      kind: 'custom',
      command: ['/bin/sh', '-c', 'yes | head -c 30000000; echo; echo done-{taskId}'],
      env: {},
    };
    const run = attempt(box, taskInput(box, agent));
    const result = await run.result;

    expect((await fs.stat(result.logPath!)).size).toBe(30_000_000 + 1 + 'done-t1\n'.length);
    expect(result.outputBytes).toBe(30_000_009);
    expect(result.outputTail!.endsWith('done-t1\n')).toBe(true);
    expect(JSON.stringify(result).length).toBeLessThan(16 * 1024);
    for (const beat of run.heartbeats) expect(JSON.stringify(beat).length).toBeLessThan(1024);
  });
});

describe('heartbeats', () => {
  it('carry the phase, output size and last line of the agent, then of each check', async () => {
    const box = await sandbox();
    // The agent and its check each go on until the test has seen the heartbeat it expects of them.
    const agentSeen = path.join(box.root, 'agent-seen');
    const checkSeen = path.join(box.root, 'check-seen');
    const agent: AgentSpec = {
      kind: 'shell',
      command: `i=0; until [ -f ${agentSeen} ]; do i=$((i+1)); echo agent-line-$i; sleep 0.05; done`,
      env: {},
    };
    const check = `echo checking; until [ -f ${checkSeen} ]; do sleep 0.05; done`;
    const run = attempt(box, taskInput(box, agent, { validate: [{ run: check, required: true }] }), 1, {
      heartbeatTimeoutMs: 600,
    });
    const beats = (phase: string) => run.heartbeats.filter((beat) => beat.phase === phase);
    const seen = await waitFor('two heartbeats from the agent, the second with more output', () => {
      const agentBeats = beats('agent');
      return agentBeats.length >= 2 && Number(agentBeats.at(-1)!.outputBytes) > Number(agentBeats[0]!.outputBytes)
        ? agentBeats
        : undefined;
    });
    await fs.writeFile(agentSeen, '');
    const checking = await waitFor('a heartbeat from the check with its output', () =>
      beats('validate').find((beat) => beat.lastLine === 'checking'),
    );
    await fs.writeFile(checkSeen, '');
    await run.result;

    expect(seen.at(-1)).toMatchObject({
      outputBytes: expect.any(Number) as number,
      lastLine: expect.stringMatching(/^agent-line-\d+$/) as string,
    });
    expect(checking).toMatchObject({ command: check, lastLine: 'checking', outputBytes: 9 });
  });
});

describe('validation', () => {
  it('a failed check fails the attempt with its output, and the retry’s prompt (and the model) get that output', async () => {
    const box = await sandbox(EDIT_SCRIPT);
    const seen = path.join(box.root, 'seen');
    const check = `if [ -e "${seen}" ]; then echo ok; exit 0; fi; touch "${seen}"; echo "CHECK-FAILED-$((6 * 7)): expected 3, got 4"; exit 1`;
    const input = taskInput(box, await cliAgent('claude', box), {
      validate: [
        { run: 'echo "lint: 2 warnings"; exit 3', required: false },
        { run: check, required: true },
      ],
    });

    const first = await failure(attempt(box, input, 1).result);
    expect(first.type).toBe(FAILURE_TYPES.validationFailed);
    expect(first.nonRetryable).toBe(false);
    expect(first.message).toBe(
      `validation failed: \`${check}\` exited with code 1: CHECK-FAILED-42: expected 3, got 4`,
    );
    expect(detailsOf(first)).toMatchObject({
      exitCode: 0,
      outputTail: 'CHECK-FAILED-42: expected 3, got 4\n',
      validationLogPath: path.join(box.taskDir, 'validation-1.log'),
      validation: [
        { command: 'echo "lint: 2 warnings"; exit 3', passed: false, required: false, exitCode: 3 },
        { command: check, passed: false, required: true, exitCode: 1 },
      ],
    });
    expect(firstPromptSeen(box.server)).not.toContain('CHECK-FAILED-42');

    const turnsBefore = box.server.turnRequests().length;
    const second = await attempt(box, input, 2).result;
    expect(second.validation).toEqual([
      expect.objectContaining({ passed: false, required: false, exitCode: 3 }),
      expect.objectContaining({ passed: true, required: true, exitCode: 0 }),
    ]);
    const prompt = await fs.readFile(path.join(box.taskDir, 'prompt-2.md'), 'utf8');
    expect(prompt).toContain('The previous attempt failed its checks');
    expect(prompt).toContain('CHECK-FAILED-42: expected 3, got 4');
    expect(JSON.stringify(box.server.turnRequests()[turnsBefore]?.body)).toContain('CHECK-FAILED-42');
  });
});

describe('cancellation', () => {
  it('a hanging shell agent: abort kills its whole process group', async () => {
    const box = await sandbox();
    const pids = path.join(box.root, 'pids');
    const run = attempt(
      box,
      taskInput(box, {
        kind: 'shell',
        command: `sleep 300 & echo $! >> ${pids}; sleep 300 & echo $! >> ${pids}; echo $$ >> ${pids}; wait`,
        env: {},
      }),
    );
    const outcome = run.result.catch((e: unknown) => e);
    await waitFor(
      'the agent to record its pids',
      () => existsSync(pids) && readFileSync(pids, 'utf8').trim().split('\n').length === 3,
      { timeoutMs: 10_000 },
    );
    const group = Number(readFileSync(pids, 'utf8').trim().split('\n')[2]);
    expect(liveMembers(group).length).toBe(3);

    run.env.cancel();
    expect(await outcome).toBeInstanceOf(CancelledFailure);
    expect(liveMembers(group)).toEqual([]);
    expect(existsSync(path.join(box.taskDir, 'process.json'))).toBe(false);
  });

  it('claude waiting on a model that never answers: abort kills it and everything it started', async () => {
    const box = await sandbox({ turns: [{ hang: true }] });
    const run = attempt(box, taskInput(box, await cliAgent('claude', box)));
    const outcome = run.result.catch((e: unknown) => e);
    await waitFor('claude to call the model', () => box.server.turnRequests().length > 0, { timeoutMs: 15_000 });
    const { pid } = JSON.parse(readFileSync(path.join(box.taskDir, 'process.json'), 'utf8')) as { pid: number };
    expect(liveMembers(pid).length).toBeGreaterThan(0);

    run.env.cancel();
    expect(await outcome).toBeInstanceOf(CancelledFailure);
    expect(liveMembers(pid)).toEqual([]);
  });
});

/** Processes of a process group that still run (zombies waiting for a reaper do not count). */
function liveMembers(group: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // Fields after the command name: state, ppid, pgrp, ...
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === group && state !== 'Z') members.push(Number(entry));
  }
  return members;
}
