/**
 * Todone's sandbox (`sandbox: worktree`) with real processes through the task activity: a task
 * cannot write the user's home, another repository or a sibling worktree, and such a refused write
 * fails the attempt for good, naming the path and the `writable:` setting; with `network: false` it
 * cannot open a socket, under the default policy it reaches none of the host's loopback services
 * unless allowed; its checks are held to the same folders; where the sandbox cannot be set up the
 * task is refused, not run unconfined; and the real Claude Code and Codex CLIs still make their
 * edits inside it, their model server allowed.
 *
 * The folders live under /var/tmp, not /tmp: the sandbox gives the task a private /tmp, where a
 * write "succeeds" into nothing and would prove nothing.
 */
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hostSandboxProbes, type SandboxProbes } from '../../activities/agents/host-sandboxes.js';
import { runBounded } from '../../activities/process/run-bounded.js';
import { confinedArgv, probeConfinement } from '../../activities/process/sandbox.js';
import { createRunTask } from '../../activities/run-task.js';
import type { RunTaskInput, TaskOutcome } from '../../activities/types.js';
import { FAILURE_TYPES } from '../../workflows/api.js';
import type { AgentSpec, CliAgentSpec } from '../../src/core/board.js';
import { claudeInvocation, cliPath, codexInvocation } from '../fixtures/model-server/clis.js';
import { addFilePatch } from '../fixtures/model-server/script.js';
import { startModelServer } from '../fixtures/model-server/server.js';
import { createRepo, git } from '../support/git-repo.js';
import { failure, taskActivityEnvironment } from '../support/activity-failure.js';
import { bwrapPath } from '../support/tools.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

beforeAll(async () => {
  expect(await probeConfinement(await bwrapPath()), 'bubblewrap works on this host').toEqual({ state: 'works' });
});

interface Box {
  root: string;
  home: string;
  work: string;
  sibling: string;
  otherRepo: string;
}

async function box(): Promise<Box> {
  const root = await fs.mkdtemp('/var/tmp/todone-sandbox-');
  cleanup.push(() => fs.rm(root, { recursive: true, force: true }));
  const home = path.join(root, 'data');
  const work = path.join(root, 'trees', 't1');
  const sibling = path.join(root, 'trees', 't2');
  await Promise.all([home, work, sibling].map((dir) => fs.mkdir(dir, { recursive: true })));
  await fs.writeFile(path.join(sibling, 'README.md'), 'sibling\n');
  const otherRepo = await createRepo(path.join(root, 'other-repo'));
  return { root, home, work, sibling, otherRepo };
}

function shell(command: string, extra: Partial<AgentSpec> = {}): AgentSpec {
  return { kind: 'shell', command, env: {}, sandbox: 'worktree', ...extra } as AgentSpec;
}

function input(b: Box, agent: AgentSpec, extra: Partial<RunTaskInput> = {}): RunTaskInput {
  return {
    boardId: 'sandbox-board',
    taskId: 't1',
    type: 'build',
    description: 'Stay inside.',
    workdir: b.work,
    agent,
    ...extra,
  };
}

function run(b: Box, taskInput: RunTaskInput, sandboxes: SandboxProbes = hostSandboxProbes): Promise<TaskOutcome> {
  const env = taskActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 5_000 });
  return env.run(createRunTask({ home: b.home, sandboxes }), taskInput);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

describe('a task in the sandbox', () => {
  it('writes its own worktree', async () => {
    const b = await box();
    const result = await run(b, input(b, shell('echo done > out.txt')));
    expect(result.exitCode).toBe(0);
    expect(await fs.readFile(path.join(b.work, 'out.txt'), 'utf8')).toBe('done\n');
  });

  it('writes its worktree inside the user’s home, and nothing else of the home', async () => {
    // The usual layout (~/project): the worktree is mounted writable over the read-only home.
    const b = await box();
    const home = path.join(b.root, 'home');
    const work = path.join(home, 'project');
    await fs.mkdir(work, { recursive: true });
    const env = taskActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 5_000 });
    const runTask = createRunTask({ home: b.home, env: { ...process.env, HOME: home } });
    const wrote: TaskOutcome = await env.run(runTask, input(b, shell('echo done > out.txt'), { workdir: work }));
    expect(wrote.exitCode).toBe(0);
    expect(await fs.readFile(path.join(work, 'out.txt'), 'utf8')).toBe('done\n');
    const refused = await failure(
      env.run(runTask, input(b, shell(`echo pwned > '${path.join(home, 'beside')}'`), { workdir: work })),
    );
    expect(refused.message).toContain('the sandbox refused a write to');
    expect(await exists(path.join(home, 'beside'))).toBe(false);
  });

  it('cannot write into the user’s home: the task fails for good, naming the path and the setting', async () => {
    const b = await box();
    const name = `.todone-sandbox-test-${randomUUID()}`;
    const target = path.join(os.homedir(), name);
    cleanup.push(() => fs.rm(target, { force: true }));
    const error = await failure(run(b, input(b, shell(`echo pwned > '${target}'`))));
    expect(error.type).toBe(FAILURE_TYPES.invalidTask);
    expect(error.nonRetryable).toBe(true);
    expect(error.message).toContain(`the task failed because the sandbox refused a write to ${target}`);
    expect(error.message).toContain(`\`writable: ['~/${name}']\``);
    expect(await exists(target)).toBe(false);
  });

  it('cannot write into another repository, and leaves it unchanged', async () => {
    const b = await box();
    const before = await git(b.otherRepo, ['rev-parse', 'HEAD']);
    const error = await failure(
      run(b, input(b, shell(`echo pwned >> '${b.otherRepo}/README.md'; git -C '${b.otherRepo}' commit -qam pwned`))),
    );
    expect(error.type).toBe(FAILURE_TYPES.invalidTask);
    expect(error.message).toContain(`refused a write to ${b.otherRepo}/README.md`);
    expect(await fs.readFile(path.join(b.otherRepo, 'README.md'), 'utf8')).toBe('# test\n');
    expect(await git(b.otherRepo, ['rev-parse', 'HEAD'])).toBe(before);
    expect(await git(b.otherRepo, ['status', '--porcelain'])).toBe('');
  });

  it('cannot write into a sibling worktree, which the same command unconfined does', async () => {
    const b = await box();
    const command = `echo pwned > '${b.sibling}/README.md' && rm -f '${b.sibling}/README.md'`;
    const error = await failure(run(b, input(b, shell(command))));
    expect(error.message).toContain(`refused a write to ${b.sibling}/README.md (read-only file system)`);
    expect(await fs.readFile(path.join(b.sibling, 'README.md'), 'utf8')).toBe('sibling\n');

    // The control: without the sandbox the very same command gets through.
    await run(b, input(b, shell(command, { sandbox: 'none' })));
    expect(await exists(path.join(b.sibling, 'README.md'))).toBe(false);
  });

  it('keeps the home and Todone’s data folder read-only and hidden inside a workdir that holds them', async () => {
    const b = await box();
    // The workdir is the whole box: it holds a home (the task's HOME) and the data folder.
    const home = path.join(b.root, 'home');
    await fs.mkdir(home);
    await fs.writeFile(path.join(home, '.bashrc'), 'original\n');
    const dotfile = `echo pwned >> '${home}/.bashrc'`;
    const dataFile = `echo pwned > '${b.home}/boards/planted'`;
    const command = `{ ${dotfile}; } 2>/dev/null || echo home-refused >> out; { ${dataFile}; } 2>/dev/null || echo data-refused >> out; echo done >> out`;
    const result = await run(b, input(b, shell(command, { env: { HOME: home } }), { workdir: b.root }));
    expect(result.exitCode).toBe(0);
    expect(await fs.readFile(path.join(b.root, 'out'), 'utf8')).toBe('home-refused\ndata-refused\ndone\n');
    expect(await fs.readFile(path.join(home, '.bashrc'), 'utf8')).toBe('original\n');
    expect(await exists(path.join(b.home, 'boards', 'planted'))).toBe(false);
  });

  it('hides local services’ sockets: a masked socket and the sockets in a hidden folder refuse it', async () => {
    const b = await box();
    const services = path.join(b.root, 'run');
    await fs.mkdir(path.join(services, 'user'), { recursive: true });
    const listen = async (file: string) => {
      const server = net.createServer((socket) => socket.end('answered\n'));
      await new Promise<void>((resolve) => server.listen(file, resolve));
      cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
    };
    const engine = path.join(services, 'docker.sock');
    const session = path.join(services, 'user', 'bus');
    await Promise.all([listen(engine), listen(session)]);
    const connect = (socket: string) =>
      `node -e "require('net').connect('${socket}').on('data', () => console.log('reached ${path.basename(socket)}')).on('error', (e) => console.log('${path.basename(socket)}: ' + e.code))"`;
    const script = `${connect(engine)}; ${connect(session)}`;
    const bwrap = await bwrapPath();
    const confined = (hideThem: boolean) =>
      confinedArgv(
        {
          bwrap,
          writable: [b.work],
          network: 'none',
          ...(hideThem ? { hidden: [path.join(services, 'user')], masked: [engine] } : {}),
        },
        '/bin/sh',
        ['-c', script],
      );
    const open = await runBounded(confined(false).file, confined(false).args, { cwd: b.work, timeoutMs: 20_000 });
    expect(open.output).toContain('reached docker.sock');
    expect(open.output).toContain('reached bus');
    const hidden = await runBounded(confined(true).file, confined(true).args, { cwd: b.work, timeoutMs: 20_000 });
    expect(hidden.output).toContain('docker.sock: ECONNREFUSED');
    expect(hidden.output).toContain('bus: ENOENT');
  });

  it('holds the task’s checks to the same folders', async () => {
    const b = await box();
    const error = await failure(
      run(b, input(b, shell('true'), { validate: [{ run: `echo pwned > '${b.sibling}/README.md'`, required: true }] })),
    );
    expect(error.type).toBe(FAILURE_TYPES.invalidTask);
    expect(error.message).toContain(
      `the check \`echo pwned > '${b.sibling}/README.md'\` failed because the sandbox refused`,
    );
    expect(await fs.readFile(path.join(b.sibling, 'README.md'), 'utf8')).toBe('sibling\n');
  });

  it('with network: false cannot open a socket, even to 127.0.0.1; by default not to the host’s loopback, unless allowed', async () => {
    const b = await box();
    let connections = 0;
    const server = net.createServer((socket) => {
      connections++;
      socket.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
    const { port } = server.address() as net.AddressInfo;
    const connect = `node -e "require('net').connect(${port}, '127.0.0.1').on('connect', () => process.exit(0)).on('error', (e) => { console.error('socket: ' + e.code); process.exit(3); })"`;

    const error = await failure(run(b, input(b, shell(connect, { network: false }))));
    expect(error.message).toMatch(/^exited with code 3: socket: E(CONNREFUSED|NETUNREACH)/);
    // The default: the task's loopback is its own, and the host's service is not on it.
    const refused = await failure(run(b, input(b, shell(connect))));
    expect(refused.message).toMatch(/^exited with code 3: socket: ECONNREFUSED/);
    expect(connections).toBe(0);

    expect((await run(b, input(b, shell(connect, { network: { allow: [`127.0.0.1:${port}`] } })))).exitCode).toBe(0);
    expect(connections).toBe(1);
    expect((await run(b, input(b, shell(connect, { network: true })))).exitCode).toBe(0);
    expect(connections).toBe(2);
  });

  it('is refused with a clear message, not run unconfined, where bubblewrap cannot set up', async () => {
    const b = await box();
    const missing = path.join(b.root, 'no-bwrap');
    const noBwrap: SandboxProbes = {
      ...hostSandboxProbes,
      bwrap: missing,
      confinement: () => probeConfinement(missing),
    };
    const error = await failure(run(b, input(b, shell('echo ran > ran.txt')), noBwrap));
    expect(error.type).toBe(FAILURE_TYPES.invalidTask);
    expect(error.nonRetryable).toBe(true);
    expect(error.message).toContain(
      "the task is to run in Todone's sandbox (sandbox: worktree, the default), but bubblewrap cannot confine it on this host",
    );
    expect(error.message).toContain('set `sandbox: none`');
    expect(await exists(path.join(b.work, 'ran.txt'))).toBe(false);
  });
});

describe('the real agent CLIs in the sandbox', () => {
  async function cliAgent(
    kind: 'claude' | 'codex',
    b: Box,
    turns: Parameters<typeof startModelServer>[0]['turns'],
  ): Promise<CliAgentSpec> {
    const server = await startModelServer({ turns, cwd: b.work });
    cleanup.push(() => server.close());
    const options = { serverUrl: server.url, cwd: b.work, home: path.join(b.root, `${kind}-home`), prompt: '' };
    const invocation = kind === 'codex' ? await codexInvocation(options) : await claudeInvocation(options);
    const args = kind === 'codex' ? invocation.args.slice(invocation.args.indexOf('workspace-write') + 1, -1) : [];
    // The default network policy, with the model server (on the worker's loopback) allowed.
    const { port } = new URL(server.url);
    return {
      kind,
      bin: cliPath(kind),
      args,
      env: invocation.env,
      sandbox: 'worktree',
      network: { allow: [`127.0.0.1:${port}`] },
    };
  }

  it('claude writes its file in the worktree', async () => {
    const b = await box();
    const agent = await cliAgent('claude', b, [
      { writeFile: { path: 'docs/claude.txt', content: 'from claude\n' } },
      { text: 'Wrote docs/claude.txt.' },
    ]);
    const result = await run(b, input(b, agent));
    expect(await fs.readFile(path.join(b.work, 'docs/claude.txt'), 'utf8')).toBe('from claude\n');
    expect(result.summary).toBe('Wrote docs/claude.txt.');
  });

  it('codex applies its patch in the worktree, with its own sandbox off inside Todone’s', async () => {
    const b = await box();
    const agent = await cliAgent('codex', b, [
      { applyPatch: addFilePatch('docs/codex.txt', ['from codex']) },
      { text: 'Wrote docs/codex.txt.' },
    ]);
    const result = await run(b, input(b, agent));
    expect(await fs.readFile(path.join(b.work, 'docs/codex.txt'), 'utf8')).toBe('from codex\n');
    expect(result.summary).toBe('Wrote docs/codex.txt.');
    const log = await fs.readFile(result.logPath!, 'utf8');
    expect(log).not.toContain('Failed to write file');
  });
});
