/**
 * Todone's orchestration cost against a plain Temporal program doing the same work, each run as a
 * user runs it: `todone run board.yaml` (a process: CLI start-up, its worker, the board) against a
 * plain program (a process: its worker, a workflow running the same number of activities at the same
 * concurrency, each spawning the same `true`), on one dev server, alternating round by round. Todone
 * runs twice per round: with the default sandbox (bubblewrap) and with `sandbox: none`.
 *
 *   npm run bench -- overhead
 *
 * BENCH_TASKS (default 1000), BENCH_PARALLEL (default 20) and BENCH_ROUNDS (default 3) change the
 * size, the concurrency and how many times each side runs; each side's median is compared.
 */
import { historyStats } from './history-stats.mjs';
import { machine, openBench } from './support.mjs';
import { median, noOpBoard, plainBundle, runPlain, runTodone } from './side-by-side.mjs';

const TASKS = Number(process.env.BENCH_TASKS ?? 1_000);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const bench = await openBench('overhead');
try {
  const bundle = await plainBundle(bench);
  const sides = [
    { name: `plain Temporal program, ${TASKS} activities`, run: () => runPlain(bench, bundle, TASKS, PARALLEL) },
    {
      name: `todone run, ${TASKS} tasks, default sandbox`,
      run: async () => runTodone(bench, await noOpBoard(bench, TASKS, PARALLEL)),
    },
    {
      name: `todone run, ${TASKS} tasks, sandbox: none`,
      run: async () => runTodone(bench, await noOpBoard(bench, TASKS, PARALLEL, ['sandbox: none'])),
    },
  ].map((side) => ({ ...side, runs: [] }));
  const load = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const side of sides) side.runs.push(await side.run());
    load.push(machine());
    console.error(`round ${r + 1}: ${sides.map((s) => `${(s.runs.at(-1).ms / 1000).toFixed(2)} s`).join(', ')}`);
  }
  for (const side of sides) {
    const last = side.runs.at(-1);
    const runs = await historyStats(bench.client, last.workflowId, undefined);
    side.workflowTasks = runs.reduce((sum, r) => sum + r.workflowTasks, 0);
  }
  const plain = median(sides[0].runs.map((r) => r.ms));
  console.log(
    `${TASKS} no-op tasks (\`true\`), ${PARALLEL} at once, each side a process of its own, median of ${ROUNDS} alternating rounds (${load.at(-1)}; ${new Date().toISOString().slice(0, 10)}):`,
  );
  console.log(
    '| run | wall time | wall / plain | CPU per task (process and its tasks) | server CPU per task | peak RSS | workflow tasks |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const side of sides) {
    const t = median(side.runs.map((r) => r.ms));
    const perTask = (key) => `${(median(side.runs.map((r) => r[key])) / TASKS).toFixed(1)} ms`;
    console.log(
      `| ${side.name} | ${(t / 1000).toFixed(2)} s | ${(t / plain).toFixed(2)}x | ${perTask('cpu')} | ${perTask('serverCpu')} | ${(median(side.runs.map((r) => r.peakRss)) / 2 ** 20).toFixed(0)} MB | ${side.workflowTasks} |`,
    );
  }
} finally {
  await bench.close();
}
