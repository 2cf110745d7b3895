/**
 * Resume after a crash: SIGKILL `todone run` (the built CLI) while its tasks are in flight, run it
 * again, and time from the restart to each in-flight task's next attempt. The board keeps the
 * default 30 s heartbeat timeout, which is what a resumed run waited before dead-worker failover.
 *
 *   npm run build && node bench/resume.mjs
 *
 * BENCH_TASKS (default 3) in-flight tasks; BENCH_RUNS (default 3) crash-and-restart cycles.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DIST, machine, stopDevServer } from './support.mjs';

const TASKS = Number(process.env.BENCH_TASKS ?? 3);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
// The CLI of the build under test (BENCH_DIST names another checkout's dist/).
const BIN = path.resolve(DIST, '..', 'bin', 'todone.js');

const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-bench-resume-'));
const home = path.join(dir, 'home');
const env = { ...process.env, TODONE_HOME: home, TEMPORAL_ADDRESS: undefined, NO_COLOR: '1' };

function cli(args, cwd) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, exited, output: () => output };
}

/** Polls `probe` until it returns a value; the deadline says what never happened. */
async function waitFor(what, probe, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** When each task's attempt `attempt` started (ms since the epoch), once all have. */
async function startsOf(workdir, attempt) {
  const times = [];
  for (let i = 0; i < TASKS; i++) {
    const text = await fs.readFile(path.join(workdir, `t${i}.starts`), 'utf8').catch(() => '');
    const line = text.split('\n').find((l) => l.startsWith(`${attempt} `));
    if (!line) return undefined;
    times.push(Number(line.split(' ')[1]));
  }
  return times;
}

const agent =
  'echo "$TODONE_ATTEMPT $(date +%s%3N)" >> "$TODONE_TASK_ID.starts"; if [ "$TODONE_ATTEMPT" = 1 ]; then sleep 60; fi';

const rows = [];
try {
  for (let run = 1; run <= RUNS; run++) {
    const workdir = path.join(dir, `run-${run}`);
    await fs.mkdir(workdir, { recursive: true });
    const file = path.join(workdir, 'board.yaml');
    await fs.writeFile(
      file,
      [
        `name: resume-${run}`,
        `maxParallel: ${TASKS}`,
        `agent: '${agent}'`,
        'tasks:',
        ...Array.from({ length: TASKS }, (_, i) => `  - { id: t${i} }`),
      ].join('\n'),
    );
    const first = cli(['run', file], workdir);
    await waitFor('the first attempts to start', () => startsOf(workdir, 1), 120_000);
    first.child.kill('SIGKILL');
    await first.exited;

    const restartedAt = Date.now();
    const second = cli(['run', file], workdir);
    const next = await waitFor("the in-flight tasks' next attempts", () => startsOf(workdir, 2), 120_000);
    const { code } = await second.exited;
    if (code !== 0) throw new Error(`the resumed run exited ${code}:\n${second.output()}`);
    const failedOver = /Failed over \d+ attempt/.test(second.output());
    rows.push({ run, first: Math.min(...next) - restartedAt, last: Math.max(...next) - restartedAt, failedOver });
    console.error(
      `run ${run}: next attempts ${rows.at(-1).first}–${rows.at(-1).last} ms after the restart${failedOver ? ' (failed over)' : ''}`,
    );
  }
} finally {
  await stopDevServer(home).catch(() => undefined);
  await fs.rm(dir, { recursive: true, force: true });
}

console.log(
  `SIGKILL \`todone run\` with ${TASKS} tasks in flight (heartbeatTimeout 30s), then run it again (${machine()}):`,
);
console.log('| run | restart → first next attempt | restart → last next attempt | failed over at once |');
console.log('| ---: | ---: | ---: | --- |');
for (const r of rows)
  console.log(
    `| ${r.run} | ${(r.first / 1000).toFixed(2)} s | ${(r.last / 1000).toFixed(2)} s | ${r.failedOver ? 'yes' : 'no'} |`,
  );
