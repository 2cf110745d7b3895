/**
 * A 10,000-task board against a plain Temporal program running 10,000 activities at the same
 * concurrency, side by side on one dev server, each as a user starts it: `todone run board.yaml`
 * (a process: CLI start-up, its worker, the board) and the plain program (a process with its own
 * worker; its workflow continues as new when the server suggests it, as a plain workflow of that size
 * must). The board: a seeded random DAG (each task depends on up to 3 of the 200 before it),
 * 300-character descriptions, maxParallel 50, every task `true`. Reports each side's wall time and
 * its ratio, CPU per task, the todone process's peak RSS (it hosts the worker), and from every run's
 * history (following continue-as-new) the events per run and the longest workflow task.
 *
 *   npm run bench -- scale
 *
 * BENCH_TASKS (default 10000), BENCH_PARALLEL (default 50) and BENCH_ROUNDS (default 1) change the
 * size, the concurrency and how many alternating rounds each side runs; each side's median is compared.
 * BENCH_DEPENDENCIES=0 drops the board's dependencies (a flat list, like the plain program's), and
 * BENCH_SANDBOX=none runs its tasks unconfined: what each costs, side by side.
 */
import { historyStats } from './history-stats.mjs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { machine, openBench } from './support.mjs';
import { median, plainBundle, runPlain, runTodone } from './side-by-side.mjs';

const TASKS = Number(process.env.BENCH_TASKS ?? 10_000);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const DEPENDENCIES = process.env.BENCH_DEPENDENCIES !== '0';
const SANDBOX = process.env.BENCH_SANDBOX;
const EVENT_LIMIT = 10_240;

function boardYaml(size) {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const words = ['build', 'check', 'render', 'parse', 'index', 'merge', 'verify', 'package', 'report', 'scan'];
  const description = (i) => {
    let text = `Task ${i}:`;
    while (text.length < 300) text += ` ${words[Math.floor(random() * words.length)]}`;
    return text.slice(0, 300);
  };
  const lines = [
    `name: scale-${size}`,
    `maxParallel: ${PARALLEL}`,
    "agent: { kind: shell, command: ['true'] }",
    ...(SANDBOX ? [`sandbox: ${SANDBOX}`] : []),
    'tasks:',
  ];
  for (let i = 0; i < size; i++) {
    const deps = new Set();
    const count = i === 0 ? 0 : Math.floor(random() * 4);
    for (let d = 0; d < count; d++) deps.add(`t${Math.max(0, i - 1 - Math.floor(random() * 200))}`);
    if (!DEPENDENCIES) deps.clear();
    lines.push(`  - id: t${i}`, `    description: '${description(i)}'`, `    dependsOn: [${[...deps].join(', ')}]`);
  }
  return lines.join('\n');
}

const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
/** A sum over every run of the chain, in seconds. */
const seconds = (runs, key) => `${(runs.reduce((sum, run) => sum + run[key], 0) / 1000).toFixed(1)} s`;

const bench = await openBench('scale');
try {
  const folder = path.join(bench.dir, 'scale');
  await fs.mkdir(folder, { recursive: true });
  const file = path.join(folder, 'board.yaml');
  await fs.writeFile(file, boardYaml(TASKS));
  const bundle = await plainBundle(bench);
  const sides = [
    {
      name: `plain Temporal program, ${TASKS} activities`,
      run: () => runPlain(bench, bundle, TASKS, PARALLEL, { continueAsNew: true }),
    },
    { name: `todone run, ${TASKS} tasks`, run: () => runTodone(bench, file) },
  ].map((side) => ({ ...side, runs: [] }));
  for (let r = 0; r < ROUNDS; r++) {
    for (const side of sides) side.runs.push(await side.run());
    console.error(`round ${r + 1}: ${sides.map((s) => `${(s.runs.at(-1).ms / 1000).toFixed(1)} s`).join(', ')}`);
  }
  const todone = sides[1].runs.at(-1);
  const result = JSON.parse(todone.stdout);
  const succeeded = result.tasks.filter((t) => t.state === 'succeeded').length;
  for (const side of sides) side.history = await historyStats(bench.client, side.runs.at(-1).workflowId, undefined);
  const plain = median(sides[0].runs.map((r) => r.ms));

  console.log(
    `${TASKS} tasks (${DEPENDENCIES ? 'random DAG' : 'no dependencies'}, 300-character descriptions, maxParallel ${PARALLEL}, \`true\`${SANDBOX ? `, sandbox: ${SANDBOX}` : ''}), each side a process of its own, median of ${ROUNDS} alternating round(s) (${machine()}; ${new Date().toISOString().slice(0, 10)}); the board ${result.state} (${succeeded}/${TASKS} succeeded):`,
  );
  console.log(
    '| run | wall time | wall / plain | CPU per task (process and its tasks) | server CPU per task | peak RSS | runs | events per run, largest | longest workflow task | runs starting, draining |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const side of sides) {
    const t = median(side.runs.map((r) => r.ms));
    const perTask = (key) => `${(median(side.runs.map((r) => r[key])) / TASKS).toFixed(1)} ms`;
    const maxEvents = Math.max(...side.history.map((r) => r.events));
    console.log(
      `| ${side.name} | ${(t / 1000).toFixed(1)} s | ${(t / plain).toFixed(2)}x | ${perTask('cpu')} | ${perTask('serverCpu')} | ${mb(median(side.runs.map((r) => r.peakRss)))} | ${side.history.length} | ${maxEvents} (${maxEvents < EVENT_LIMIT ? 'under' : 'OVER'} ${EVENT_LIMIT}) | ${Math.max(...side.history.map((r) => r.longestTaskMs))} ms | ${seconds(side.history, 'startingMs')}, ${seconds(side.history, 'drainingMs')} |`,
    );
  }
  if (process.env.BENCH_VERBOSE) console.table(sides.map((s) => s.history));
} finally {
  await bench.close();
}
