/**
 * The worker's process spawner: commands start through a small helper process instead of forks of
 * the worker. Real commands, a real helper; the helper is killed the way a crash would kill it.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCommand, type CommandSpec } from '../../activities/process/spawner/spawner-client.js';
import { SpawnerLostError, supervise } from '../../activities/process/supervise.js';
import { isRunning } from '../../src/util/processes.js';
import { openNetworkNamespace, type NetworkNamespace } from '../../activities/network/network-namespace.js';
import { confinedArgv } from '../../activities/process/sandbox.js';
import { spawnersOf } from '../support/process-scan.js';
import { bwrapPath } from '../support/tools.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-spawner-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

/** Starts `spec`; `result` is everything it printed, and how it ended. */
function start(spec: CommandSpec, options?: { answerWithinMs: number }) {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const command = spawnCommand(spec, (chunk, stream) => (stream === 'stdout' ? out : err).push(chunk), options);
  const result = command.ended.then((end) => ({
    end,
    stdout: Buffer.concat(out).toString(),
    stderr: Buffer.concat(err).toString(),
  }));
  return { started: command.started, result, command, bytes: () => out.reduce((sum, b) => sum + b.length, 0) };
}

const collect = (spec: CommandSpec) => start(spec).result;

/** The parent of a process, from its stat line (the command name in parentheses may hold spaces). */
function parentOf(pid: number | string): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** The spawner helpers this process runs (children of it whose command line names the spawner). */
function spawners(): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (parentOf(entry) === process.pid && cmdline.includes('spawner-main')) found.push(Number(entry));
    } catch {
      // Gone while we looked.
    }
  }
  return found;
}

describe('the process spawner', () => {
  it('runs a command in its own process group and hands back its output, pid and exit code', async () => {
    const command = start({
      file: '/bin/sh',
      args: ['-c', 'echo "out $(ps -o pgid= -p $$ | tr -d " ")"; echo err >&2; exit 7'],
      cwd: dir,
      env,
    });
    const pid = await command.started;
    const { end, stdout, stderr } = await command.result;
    expect(end).toEqual({ kind: 'exit', exitCode: 7, signal: null });
    // Its own group: a cancel reaches everything it starts, and nothing of the worker's.
    expect(stdout).toBe(`out ${pid}\n`);
    expect(stderr).toBe('err\n');
  });

  it('passes exactly the environment given, and the working folder', async () => {
    const { stdout } = await collect({
      file: '/bin/sh',
      args: ['-c', 'pwd; env | sort'],
      cwd: dir,
      env: { ...env, ONLY: 'this' },
    });
    const [cwd, ...vars] = stdout.trim().split('\n');
    expect(cwd).toBe(await fs.realpath(dir));
    expect(
      vars.filter((line) => !line.startsWith('PWD=') && !line.startsWith('SHLVL=') && line !== '_=/usr/bin/env'),
    ).toEqual([`ONLY=this`, `PATH=${env.PATH}`]);
  });

  it('feeds a file to stdin, and closes stdin otherwise', async () => {
    const input = path.join(dir, 'input.txt');
    await fs.writeFile(input, 'from the file\n');
    const fed = await collect({ file: '/bin/cat', args: [], cwd: dir, env, stdinFile: input });
    expect(fed.stdout).toBe('from the file\n');
    // A closed stdin reads as end of file at once: an agent waiting on it would hang a task.
    const closed = await collect({ file: '/bin/cat', args: [], cwd: dir, env });
    expect(closed).toMatchObject({ end: { kind: 'exit', exitCode: 0 }, stdout: '' });
  });

  it('reports a command that cannot start, naming why, and keeps serving', async () => {
    const missing = start({ file: path.join(dir, 'no-such-agent'), args: [], cwd: dir, env });
    expect(await missing.started).toBeUndefined();
    const { end } = await missing.result;
    expect(end.kind === 'spawn-error' && end.message).toMatch(/ENOENT/);
    const noFolder = await collect({ file: '/bin/true', args: [], cwd: path.join(dir, 'gone'), env });
    expect(noFolder.end.kind === 'spawn-error' && noFolder.end.message).toBe(
      `its working folder ${path.join(dir, 'gone')} does not exist`,
    );
    const noInput = await collect({ file: '/bin/cat', args: [], cwd: dir, env, stdinFile: path.join(dir, 'no-input') });
    expect(noInput.end.kind === 'spawn-error' && noInput.end.message).toMatch(/ENOENT.*no-input/);
    expect((await collect({ file: '/bin/true', args: [], cwd: dir, env })).end).toMatchObject({
      exitCode: 0,
    });
  });

  it('delivers a flood of output whole and in order', async () => {
    // About 15 MB, in chunks of at most 64 KB: any chunk lost, doubled or reordered shows.
    const lines = 2_000_000;
    const { end, stdout } = await collect({ file: '/usr/bin/seq', args: [String(lines)], cwd: dir, env });
    expect(end).toMatchObject({ exitCode: 0 });
    const numbers = stdout.trimEnd().split('\n');
    expect(numbers.length).toBe(lines);
    expect(numbers.every((n, i) => Number(n) === i + 1)).toBe(true);
  });

  it('runs many commands at once, each with its own output', async () => {
    const runs = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        collect({ file: '/bin/sh', args: ['-c', `sleep 0.0$((${i} % 10)); echo ${i}`], cwd: dir, env }),
      ),
    );
    expect(runs.map((run) => run.stdout)).toEqual(Array.from({ length: 40 }, (_, i) => `${i}\n`));
  });

  it('ends the commands of a spawner that dies, and starts a new spawner for the next command', async () => {
    const marker = path.join(dir, 'survived');
    const running = start({ file: '/bin/sh', args: ['-c', `sleep 30; touch ${marker}`], cwd: dir, env });
    const pid = await running.started;
    const [helper, ...others] = spawners();
    expect(others).toEqual([]);
    process.kill(helper!, 'SIGKILL');
    const { end } = await running.result;
    expect(end).toEqual({ kind: 'lost', message: "the worker's process spawner was killed or did not answer" });
    // The command's group is the caller's to stop (supervise does); it is still there to be stopped.
    process.kill(-pid!, 'SIGKILL');
    const next = await collect({ file: '/bin/echo', args: ['again'], cwd: dir, env });
    expect(next).toMatchObject({ end: { exitCode: 0 }, stdout: 'again\n' });
    expect(spawners()).not.toContain(helper);
  });

  it('fails a supervised command whose spawner dies as the worker’s fault, and stops the command', async () => {
    const pidFile = path.join(dir, 'supervised.json');
    const supervised = supervise({
      file: '/bin/sleep',
      args: ['30'],
      cwd: dir,
      env,
      logPath: path.join(dir, 'supervised.log'),
      pidFile,
      attempt: 1,
      signal: new AbortController().signal,
      progressEveryMs: 50,
      onProgress: () => undefined,
    });
    const outcome = supervised.catch((error: unknown) => error);
    // The pid file is written once the command has started.
    let pid: number | undefined;
    for (let waited = 0; pid === undefined && waited < 10_000; waited += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      pid = await fs.readFile(pidFile, 'utf8').then(
        (text) => (JSON.parse(text) as { pid: number }).pid,
        () => undefined,
      );
    }
    expect(pid, 'the command never started').toBeDefined();
    for (const helper of spawners()) process.kill(helper, 'SIGKILL');
    const error = await outcome;
    // Not the command's failure ("could not start", "killed"): Temporal retries the attempt.
    expect(error).toBeInstanceOf(SpawnerLostError);
    expect(isRunning(pid!)).toBe(false);
    await expect(fs.access(pidFile)).rejects.toThrow(/ENOENT/);
  });

  it('takes a spawner that does not answer for hung, and replaces it', async () => {
    // A spawner stopped (as a frozen process would be) before it can start the command.
    const first = start({ file: '/bin/true', args: [], cwd: dir, env });
    await first.result;
    const [helper] = spawners();
    process.kill(helper!, 'SIGSTOP');
    const hung = start({ file: '/bin/echo', args: ['never'], cwd: dir, env }, { answerWithinMs: 300 });
    expect((await hung.result).end).toEqual({
      kind: 'lost',
      message: "the worker's process spawner was killed or did not answer",
    });
    const next = await collect({ file: '/bin/echo', args: ['again'], cwd: dir, env });
    expect(next).toMatchObject({ end: { exitCode: 0 }, stdout: 'again\n' });
    expect(spawners()).not.toContain(helper);
  });

  it('holds a command back while its reader pauses it, and lets it finish when resumed', async () => {
    // 20 MB: far more than a pipe and the spawner's reads hold, so a paused command cannot finish.
    const flood = start({ file: '/bin/sh', args: ['-c', 'head -c 20000000 /dev/zero'], cwd: dir, env });
    flood.command.pause();
    const early = await Promise.race([
      flood.result.then(() => 'finished'),
      new Promise((resolve) => setTimeout(() => resolve('held'), 1_000)),
    ]);
    expect(early).toBe('held');
    expect(flood.bytes()).toBeLessThan(20_000_000);
    flood.command.resume();
    expect((await flood.result).end).toMatchObject({ exitCode: 0 });
    expect(flood.bytes()).toBe(20_000_000);
  });

  it('keeps running the commands of a worker that is interrupted (Ctrl-C reaches its process group)', async () => {
    const worker = execa(process.execPath, [await program(), 'interrupted'], {
      // Its own group, as a terminal's foreground job: the signal goes to the group.
      detached: true,
      stderr: 'ignore',
      timeout: 20_000,
      reject: false,
    });
    worker.stdout.once('data', () => process.kill(-worker.pid!, 'SIGINT'));
    const run = await worker;
    expect(run.timedOut).toBe(false);
    // The worker lets its task finish on Ctrl-C; its command is still there, and ends as it would.
    expect(run.stdout).toBe('started\ninterrupted\nfinished\n{"kind":"exit","exitCode":0,"signal":null}');
    await expectGone(worker.pid);
  });

  it('does not keep a finished program alive, and leaves with it', async () => {
    const echoing = execa(process.execPath, [await program(), 'echo'], {
      // The spawner inherits stderr: a spawner that stayed would hold it open, and this wait with it.
      stderr: 'ignore',
      timeout: 20_000,
      reject: false,
    });
    const run = await echoing;
    // Bounded: a spawner that held the program open would time it out, not pass slowly.
    expect(run.timedOut).toBe(false);
    expect(run.stdout).toBe('hi\n{"kind":"exit","exitCode":0,"signal":null}');
    await expectGone(echoing.pid);
  });

  it('leaves with a worker that is killed while its command runs', async () => {
    const worker = execa(process.execPath, [await program(), 'sleep'], {
      stderr: 'ignore',
      timeout: 20_000,
      reject: false,
    });
    let sleeper = 0;
    worker.stdout.once('data', (line: Buffer) => {
      sleeper = Number(/started (\d+)/.exec(String(line))?.[1]);
      worker.kill('SIGKILL');
    });
    await worker;
    await expectGone(worker.pid);
    // Its command outlives it in its own group, as a crashed worker's always did (the pid file's job).
    expect(sleeper).toBeGreaterThan(0);
    process.kill(-sleeper, 'SIGKILL');
  });
});

describe('commands that join a network namespace', () => {
  let namespace: NetworkNamespace;
  let nsenter: string;
  const workerOnly = { NODE_OPTIONS: process.env.NODE_OPTIONS, TODONE_WORKER_ONLY: process.env.TODONE_WORKER_ONLY };
  const open = async () =>
    openNetworkNamespace({
      bwrap: await bwrapPath(),
      nsenter,
      listeners: [{ host: '127.0.0.1', port: 0 }],
      onConnection: (_, socket) => socket.end('from the worker\n'),
    });
  beforeAll(async () => {
    nsenter = (await execa('sh', ['-c', 'command -v nsenter'])).stdout.trim();
    // What the worker's environment holds must not reach the spawner inside: with --inspect, a
    // NODE_OPTIONS would open a debugger on the loopback the namespace's tasks share.
    process.env.NODE_OPTIONS = '--no-deprecation';
    process.env.TODONE_WORKER_ONLY = 'the worker only';
    namespace = await open();
  });
  afterAll(() => {
    namespace?.close();
    for (const [name, value] of Object.entries(workerOnly))
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
  });

  /** The network namespace of a process, as the kernel names it. */
  const netnsOf = (pid: number | 'self') => readlinkSync(`/proc/${pid}/ns/net`);
  /** The network namespace nsenter itself puts a command in: what `namespace` is, as the kernel names it. */
  const netnsVia = async (ns: NetworkNamespace) =>
    (await execa(nsenter, [...ns.enter, 'readlink', '/proc/self/ns/net'])).stdout;
  /** Runs `file args` joining `ns`, through the spawner, saying so in `joins`. */
  const inside = (ns: NetworkNamespace, file: string, ...args: string[]) =>
    collect({ file: nsenter, args: [...ns.enter, file, ...args], joins: { nsenter, enter: ns.enter }, cwd: dir, env });
  /** The spawner that starts the commands joining `ns`: the parent of one of them. */
  const spawnerIn = async (ns: NetworkNamespace) =>
    Number((await inside(ns, '/bin/sh', '-c', 'echo $PPID')).stdout.trim());

  /** Its network namespace, its parent's, and its parent's command line, as a command inside sees them. */
  const whereScript = 'readlink /proc/self/ns/net /proc/$PPID/ns/net; tr "\\0" " " < /proc/$PPID/cmdline; echo';

  it('are started inside it by a spawner already there, without an nsenter of their own', async () => {
    const run = await inside(namespace, '/bin/sh', '-c', whereScript);
    expect(run.end).toEqual({ kind: 'exit', exitCode: 0, signal: null });
    const [netns, parentNetns, parent] = run.stdout.split('\n');
    // The namespace nsenter itself puts a command in, not the worker's.
    expect(netns).toBe(await netnsVia(namespace));
    expect(netns).not.toBe(netnsOf('self'));
    // Started by a spawner inside it, not joined afresh from the worker's own.
    expect(parentNetns).toBe(netns);
    expect(parent).toContain('spawner-main');
    // Its loopback is the namespace's: the worker's listener there answers.
    const port = namespace.ports[0]!;
    const reached = await inside(
      namespace,
      process.execPath,
      '-e',
      `require('net').connect(${port}, '127.0.0.1').pipe(process.stdout)`,
    );
    expect(reached.stdout).toBe('from the worker\n');
  });

  it('run as given when their argv does not begin with the namespace they name', async () => {
    const joins = { nsenter, enter: namespace.enter };
    const run = await collect({ file: '/bin/sh', args: ['-c', whereScript], joins, cwd: dir, env });
    expect(run.stdout.split('\n')[0]).toBe(netnsOf('self'));
    // An argv that joins another namespace than the one named goes where its own nsenter takes it.
    const other = await open();
    try {
      const elsewhere = await collect({
        file: nsenter,
        args: [...other.enter, 'readlink', '/proc/self/ns/net'],
        joins,
        cwd: dir,
        env,
      });
      expect(elsewhere.stdout.trim()).toBe(await netnsVia(other));
      expect(elsewhere.stdout.trim()).not.toBe(await netnsVia(namespace));
    } finally {
      other.close();
    }
  });

  it('get a spawner that holds nothing of the worker’s environment but whose it is', async () => {
    const spawner = await spawnerIn(namespace);
    const environment = readFileSync(`/proc/${spawner}/environ`, 'utf8').split('\0');
    expect(environment).toContain(`TODONE_SPAWNER_OF=${process.pid}`);
    expect(environment.filter((entry) => /^(NODE_OPTIONS|TODONE_WORKER_ONLY|PATH|HOME)=/.test(entry))).toEqual([]);
  });

  it('lose their spawner there when the namespace is closed, and a namespace opened later gets its own', async () => {
    const other = await open();
    const spawner = await spawnerIn(other);
    expect(netnsOf(spawner)).toBe(await netnsVia(other));
    other.close();
    const deadline = Date.now() + 5_000;
    while (isRunning(spawner) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(isRunning(spawner), 'the closed namespace’s spawner stayed').toBe(false);
    // The next namespace may well be named by the same descriptor paths: its commands run in it.
    const next = await open();
    try {
      const nextSpawner = await spawnerIn(next);
      expect(nextSpawner).not.toBe(spawner);
      expect(netnsOf(nextSpawner)).toBe(await netnsVia(next));
      expect(parentOf(nextSpawner)).toBe(process.pid);
    } finally {
      next.close();
    }
  });

  it('are what a confined argv under a filtered network says: its whole nsenter argv, and whom it joins', () => {
    const network = { nsenter, enter: namespace.enter };
    const argv = confinedArgv({ bwrap: 'bwrap', writable: [dir], network }, '/bin/true', []);
    expect(argv.joins).toEqual(network);
    expect(argv.file).toBe(nsenter);
    expect(argv.args.slice(0, network.enter.length)).toEqual(network.enter);
    expect(argv.args[network.enter.length]).toBe('bwrap');
    expect(confinedArgv({ bwrap: 'bwrap', writable: [dir], network: 'none' }, '/bin/true', []).joins).toBeUndefined();
  });

  it('keep the worker’s own spawner apart: the namespace’s dying ends only its commands', async () => {
    const joins = { nsenter, enter: namespace.enter };
    const sleeping = start({ file: nsenter, args: [...namespace.enter, '/bin/sleep', '30'], joins, cwd: dir, env });
    const outside = start({ file: '/bin/sh', args: ['-c', 'sleep 1; echo outside'], cwd: dir, env });
    const sleeper = await sleeping.started;
    await outside.started;
    process.kill(parentOf(sleeper!), 'SIGKILL');
    expect((await sleeping.result).end).toEqual({
      kind: 'lost',
      message: "the worker's process spawner in a network namespace was killed or did not answer",
    });
    process.kill(-sleeper!, 'SIGKILL');
    expect(await outside.result).toMatchObject({ end: { exitCode: 0 }, stdout: 'outside\n' });
    // The next command that joins it gets a new spawner there.
    const again = await inside(namespace, '/bin/echo', 'again');
    expect(again).toMatchObject({ end: { exitCode: 0 }, stdout: 'again\n' });
  });
});

/**
 * A program that runs one command through the spawner: `echo` prints and ends, `sleep` waits a
 * minute, `interrupted` waits half a second and says so on SIGINT.
 */
async function program(): Promise<string> {
  const script = path.join(dir, 'one-command.mjs');
  const client = path.resolve('dist/activities/process/spawner/spawner-client.js');
  await fs.writeFile(
    script,
    `import { spawnCommand } from ${JSON.stringify(client)};
const commands = {
  echo: ['/bin/echo', ['hi']],
  sleep: ['/bin/sleep', ['60']],
  interrupted: ['/bin/sh', ['-c', 'sleep 0.5; echo finished']],
};
const [file, args] = commands[process.argv[2]];
process.on('SIGINT', () => console.log('interrupted'));
const command = spawnCommand({ file, args, cwd: '/', env: {} }, (chunk) => process.stdout.write(chunk));
const pid = await command.started;
if (process.argv[2] === 'sleep') console.log('started', pid);
if (process.argv[2] === 'interrupted') console.log('started');
console.log(JSON.stringify(await command.ended));`,
  );
  return script;
}

/** Waits (5 s at most) until no spawner of the program `pid` is left (its environment names its worker). */
async function expectGone(pid: number | undefined): Promise<void> {
  expect(pid, 'the program never started').toBeDefined();
  const deadline = Date.now() + 5_000;
  while ((await spawnersOf(pid!)).length > 0 && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 50));
  expect(await spawnersOf(pid!), 'the spawner outlived its program').toEqual([]);
}
