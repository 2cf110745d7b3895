/**
 * What the sandbox costs per task: runTask of a no-op shell task (`true`) through the task activity
 * (Temporal's MockActivityEnvironment, no server), side by side in one run, rounds alternating:
 * unconfined (`sandbox: none`), and confined with each network policy (the host's, none, the default
 * filtered one, an allow list). Wall time and CPU per attempt, the worker's and its children's
 * (bubblewrap, nsenter, the shell) apart. The filtered policy's namespace is made once per worker
 * and allow list; that one-time cost is measured on its own, before the rounds.
 *
 *   npm run build && node bench/sandbox.mjs
 *
 * BENCH_TASKS (default 100) attempts per variant and round, BENCH_ROUNDS (default 3), BENCH_LANES
 * (default 4) attempts at once.
 */
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DIST, machine, quietLogger } from './support.mjs';

const TASKS = Number(process.env.BENCH_TASKS ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LANES = Number(process.env.BENCH_LANES ?? 4);

const VARIANTS = [
  ['sandbox: none', { sandbox: 'none' }],
  ['confined, network: true (host)', { sandbox: 'worktree', network: true }],
  ['confined, network: false', { sandbox: 'worktree', network: false }],
  ['confined, default network (filtered)', { sandbox: 'worktree' }],
  ['confined, network: { allow: [127.0.0.1:9] }', { sandbox: 'worktree', network: { allow: ['127.0.0.1:9'] } }],
];

const { createActivities } = await import(pathToFileURL(path.join(DIST, 'activities/index.js')).href);
// Under /var/tmp: a folder under /tmp would be hidden by the sandbox's own /tmp and bound back in.
const home = await fs.mkdtemp('/var/tmp/todone-bench-sandbox-');
const workdir = path.join(home, 'work');
await fs.mkdir(workdir);
const { runTask } = createActivities({ home: path.join(home, 'data') });
const env = new MockActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 30_000 }, { logger: quietLogger });

/** CPU of this process's waited-for children (/proc/self/stat's cutime + cstime), in ms. */
const ticks = 100;
function childCpuMs() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / ticks;
}

let seq = 0;
function attempt(confinement) {
  return env.run(runTask, {
    boardId: 'bench',
    taskId: `t${seq++}`,
    type: 'generic',
    description: 'x',
    workdir,
    agent: { kind: 'shell', command: ['true'], env: {}, ...confinement },
  });
}

const opened = {};
for (const [name, confinement] of VARIANTS) {
  const started = performance.now();
  await attempt(confinement);
  opened[name] = performance.now() - started;
}

const sides = VARIANTS.map(([name, confinement]) => ({ name, confinement, wall: [], cpu: [], children: [] }));
async function round(side) {
  let next = 0;
  const cpu = process.cpuUsage();
  const children = childCpuMs();
  const started = performance.now();
  const lane = async () => {
    while (next < TASKS) {
      next++;
      await attempt(side.confinement);
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  const used = process.cpuUsage(cpu);
  side.wall.push((performance.now() - started) / TASKS);
  side.cpu.push((used.user + used.system) / 1000 / TASKS);
  side.children.push((childCpuMs() - children) / TASKS);
}

try {
  for (let r = 0; r < ROUNDS; r++) for (const side of sides) await round(side);
} finally {
  await fs.rm(home, { recursive: true, force: true });
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`runTask of \`true\`, ${LANES} at once, ${TASKS} attempts x ${ROUNDS} rounds per variant (${machine()}):`);
console.log('| task | wall per attempt | worker CPU | children CPU | first attempt |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const side of sides)
  console.log(
    `| ${side.name} | ${mean(side.wall).toFixed(1)} ms | ${mean(side.cpu).toFixed(1)} ms | ${mean(side.children).toFixed(1)} ms | ${opened[side.name].toFixed(0)} ms |`,
  );
