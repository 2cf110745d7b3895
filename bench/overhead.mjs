/**
 * Todone's per-task orchestration overhead: 1,000 no-op tasks (`true`) at maxParallel 20 through
 * Todone (its worker and BoardClient from dist/, as `todone run` uses them) versus a plain Temporal
 * workflow running 1,000 activities that spawn the same process with the same concurrency, side by
 * side on one dev server in one run, alternating (plain, Todone, plain, Todone, ...).
 *
 *   npm run build && node bench/overhead.mjs
 *
 * BENCH_TASKS (default 1000), BENCH_PARALLEL (default 20) and BENCH_ROUNDS (default 2) change the
 * size, the concurrency and how many times each side runs; the median of each side is compared.
 * BENCH_BEFORE=<a dist/ folder of another build> adds that build of Todone as a third side, to
 * measure a change before and after in the same run.
 */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { execa } from 'execa';
import { boardFromYaml, cpuNow, loadTodone, machine, openBench, quietLogger, serve } from './support.mjs';

const TASKS = Number(process.env.BENCH_TASKS ?? 1_000);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const ARGV = ['true'];

const bench = await openBench('overhead');
try {
  const plainCode = (
    await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./plain-workflow.mjs', import.meta.url)),
      logger: quietLogger,
    })
  ).code;

  // Each side's worker is created once and serves every round, so a round measures orchestration, not start-up.
  const plainQueue = `plain-${randomUUID()}`;
  const plainWorker = serve(
    await Worker.create({
      connection: bench.native,
      namespace: bench.target.namespace,
      taskQueue: plainQueue,
      workflowBundle: { code: plainCode },
      activities: { spawnProcess: async (argv) => void (await execa(argv[0], argv.slice(1), { stdin: 'ignore' })) },
      // The same cap as Todone's worker; the workflow bounds concurrency at PARALLEL.
      maxConcurrentActivityTaskExecutions: 64,
    }),
  );
  /** Wall time and CPU (this process's, the server's) from start to result, and nothing else. */
  async function measured(run) {
    const cpu = cpuNow(bench);
    const started = performance.now();
    await run();
    const ms = performance.now() - started;
    const after = cpuNow(bench);
    return { ms, workerCpu: after.worker - cpu.worker, serverCpu: after.server - cpu.server };
  }

  async function plainRun() {
    return measured(() =>
      bench.client.workflow.execute('plainBoard', {
        taskQueue: plainQueue,
        workflowId: `plain-${randomUUID()}`,
        args: [TASKS, PARALLEL, ARGV],
      }),
    );
  }

  let round = 0;
  const todoneWorkers = [];
  async function todoneSide(todone) {
    const taskQueue = `todone-${randomUUID()}`;
    todoneWorkers.push(serve(await bench.todoneWorker(todone, taskQueue)));
    const boards = new todone.BoardClient(bench.client, taskQueue);
    return async () => {
      const yaml = [
        `name: overhead-${++round}`,
        `maxParallel: ${PARALLEL}`,
        `agent: { kind: shell, command: [${ARGV.map((a) => `'${a}'`).join(', ')}] }`,
        'tasks:',
        ...Array.from({ length: TASKS }, (_, i) => `  - { id: t${i} }`),
      ].join('\n');
      // Loading the board file is the CLI's work before the run: outside the measured window.
      const board = await boardFromYaml(bench, `overhead-${round}`, yaml);
      let result;
      const measure = await measured(async () => {
        const { handle } = await boards.startOrAttach(board);
        result = await handle.result();
      });
      if (result.state !== 'completed') throw new Error(`the Todone board ended ${result.state}`);
      return measure;
    };
  }

  const sides = [{ name: `plain Temporal workflow, ${TASKS} activities`, run: plainRun, times: [] }];
  if (process.env.BENCH_BEFORE) {
    const before = await loadTodone(process.env.BENCH_BEFORE);
    sides.push({
      name: `Todone board, ${TASKS} tasks (before: ${process.env.BENCH_BEFORE})`,
      run: await todoneSide(before),
      times: [],
    });
  }
  const current = await loadTodone();
  sides.push({ name: `Todone board, ${TASKS} tasks`, run: await todoneSide(current), times: [] });
  for (let r = 0; r < ROUNDS; r++) {
    for (const side of sides) {
      const { ms, workerCpu, serverCpu } = await side.run();
      side.times.push(ms);
      (side.workerCpu ??= []).push(workerCpu);
      (side.serverCpu ??= []).push(serverCpu);
    }
    console.error(`round ${r + 1}: ${sides.map((side) => `${(side.times.at(-1) / 1000).toFixed(2)} s`).join(', ')}`);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const plain = median(sides[0].times);
  console.log(
    `${TASKS} no-op tasks (\`${ARGV.join(' ')}\`), ${PARALLEL} at once, median of ${ROUNDS} alternating rounds (${machine()}):`,
  );
  // CPU per task is steadier than wall time on a shared machine: it says what each side costs, whatever else runs.
  console.log('| run | wall time | tasks/s | wall / plain | worker CPU per task | server CPU per task |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const side of sides) {
    const t = median(side.times);
    const cpu = (xs) => `${(median(xs) / TASKS).toFixed(1)} ms`;
    console.log(
      `| ${side.name} | ${(t / 1000).toFixed(2)} s | ${((TASKS * 1000) / t).toFixed(0)} | ${(t / plain).toFixed(2)}x | ${cpu(side.workerCpu)} | ${cpu(side.serverCpu)} |`,
    );
  }
  await Promise.all([plainWorker, ...todoneWorkers].map((worker) => worker.stop()));
} finally {
  await bench.close();
}
