// Todone against a plain Temporal program, each started as a user starts it: a process of its own
// (`node bin/todone.js run <board>` on the embedded server, which it finds running; the plain program
// with its worker), start-up included, on one dev server. Each run reports wall time, the CPU of the
// process and everything it waited for (the spawned tasks, bubblewrap), the server's CPU, the peak
// RSS of the process, the workflow it ran (for its histories) and what it printed.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { execa } from 'execa';
import { cpuNow, quietLogger } from './support.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const TODONE = path.join(root, 'bin', 'todone.js');
const PLAIN = path.join(root, 'bench', 'plain-program.mjs');

/** The plain workflow's bundle, built once: a deployed program would not bundle at start. */
export async function plainBundle(bench) {
  const file = path.join(bench.dir, 'plain-bundle.js');
  const { code } = await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./plain-workflow.mjs', import.meta.url)),
    logger: quietLogger,
  });
  await fs.writeFile(file, code);
  return file;
}

/** CPU (ms) of the children this process has waited for: theirs and their own waited-for children's. */
function childrenCpuMs() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // cutime and cstime (fields 16 and 17), in clock ticks of 10 ms.
  return (Number(fields[13]) + Number(fields[14])) * 10;
}

/** Runs `argv` as a process and measures it; `workflowId` reads what it ran from its stdout. */
async function measuredProcess(bench, argv, env, workflowId) {
  const cpu = cpuNow(bench);
  const children = childrenCpuMs();
  const started = performance.now();
  const child = execa('node', argv, { env, extendEnv: false, stdin: 'ignore', reject: false, maxBuffer: 2 ** 30 });
  let peakRss = 0;
  const sampler = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      peakRss = Math.max(peakRss, Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024);
    } catch {
      // Gone between two samples.
    }
  }, 200);
  const done = await child;
  clearInterval(sampler);
  const ms = performance.now() - started;
  if (done.exitCode !== 0)
    throw new Error(`${argv.join(' ')} exited ${done.exitCode}:\n${String(done.stderr).slice(-2000)}`);
  const after = cpuNow(bench);
  return {
    ms,
    cpu: childrenCpuMs() - children,
    serverCpu: after.server - cpu.server,
    peakRss,
    workflowId: workflowId(String(done.stdout)),
    stdout: String(done.stdout),
  };
}

/**
 * The plain program: `count` activities, `concurrency` at once, each spawning `argv`; with
 * `continueAsNew`, its workflow continues as new when the server suggests it.
 */
export async function runPlain(bench, bundle, count, concurrency, { argv = ['true'], continueAsNew = false } = {}) {
  return measuredProcess(
    bench,
    [PLAIN, bench.target.address, bundle, String(count), String(concurrency), ...argv],
    { PATH: process.env.PATH, HOME: process.env.HOME, ...(continueAsNew ? { PLAIN_CONTINUE_AS_NEW: '1' } : {}) },
    (stdout) => stdout.trim().split('\n').at(-1),
  );
}

/** `todone run <board file> --json` as a user runs it on this machine: the embedded server it finds running. */
export async function runTodone(bench, file, args = []) {
  return measuredProcess(
    bench,
    [TODONE, 'run', file, '--json', ...args],
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TODONE_HOME: bench.home,
      TODONE_TEMPORAL_CLI: process.env.TODONE_TEMPORAL_CLI,
      NO_COLOR: '1',
    },
    (stdout) => `todone-board-${JSON.parse(stdout).boardId}`,
  );
}

/** A board file of `count` no-op tasks, in its own folder; `fields` are extra board settings (YAML lines). */
export async function noOpBoard(bench, count, parallel, fields = []) {
  const name = `noop-${randomUUID().slice(0, 8)}`;
  const folder = path.join(bench.dir, name);
  await fs.mkdir(folder, { recursive: true });
  const file = path.join(folder, 'board.yaml');
  const lines = [
    `name: ${name}`,
    `maxParallel: ${parallel}`,
    "agent: { kind: shell, command: ['true'] }",
    ...fields,
    'tasks:',
    ...Array.from({ length: count }, (_, i) => `  - { id: t${i} }`),
  ];
  await fs.writeFile(file, lines.join('\n'));
  return file;
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
