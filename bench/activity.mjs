/**
 * The task activity alone, without Temporal around it: runTask of a no-op shell task (`true`),
 * 20 at once, in Temporal's MockActivityEnvironment; wall time and CPU per attempt. With
 * BENCH_BEFORE=<another build's dist/> the two builds alternate round by round.
 *
 *   npm run build && node bench/activity.mjs
 *
 * BENCH_TASKS (default 400) attempts per round, BENCH_ROUNDS (default 4).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DIST, machine } from './support.mjs';

const TASKS = Number(process.env.BENCH_TASKS ?? 400);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const LANES = 20;

const home = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-bench-activity-'));
const workdir = path.join(home, 'work');
await fs.mkdir(workdir);
const builds = [...(process.env.BENCH_BEFORE ? [['before', process.env.BENCH_BEFORE]] : []), ['current', DIST]];
const sides = [];
for (const [name, dist] of builds) {
  const { createActivities } = await import(pathToFileURL(path.join(dist, 'activities/index.js')).href);
  sides.push({ name, runTask: createActivities({ home: path.join(home, name) }).runTask, wall: [], cpu: [] });
}
const env = new MockActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 30_000 });

let seq = 0;
async function round(side) {
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  const lane = async () => {
    while (next < TASKS) {
      next++;
      const taskId = `t${seq++}`;
      await env.run(side.runTask, {
        boardId: 'bench',
        taskId,
        type: 'generic',
        description: 'x'.repeat(300),
        workdir,
        agent: { kind: 'shell', command: ['true'], env: {} },
      });
    }
  };
  await Promise.all(Array.from({ length: LANES }, lane));
  const used = process.cpuUsage(cpu);
  side.wall.push((performance.now() - started) / TASKS);
  side.cpu.push((used.user + used.system) / 1000 / TASKS);
}

try {
  for (let r = 0; r < ROUNDS; r++) for (const side of sides) await round(side);
} finally {
  await fs.rm(home, { recursive: true, force: true });
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`runTask of \`true\`, ${LANES} at once, ${TASKS} attempts x ${ROUNDS} rounds (${machine()}):`);
console.log('| build | wall per attempt | CPU per attempt |');
console.log('| --- | ---: | ---: |');
for (const side of sides)
  console.log(`| ${side.name} | ${mean(side.wall).toFixed(1)} ms | ${mean(side.cpu).toFixed(1)} ms |`);
