/**
 * A fleet of workers: the same board of sleep tasks (no dependencies) on one `todone worker` with
 * one activity slot, and on two such workers, each its own process with its own data folder, side
 * by side on one dev server in one run, alternating (one worker, two workers, one, two, ...). Every
 * process is the built CLI: the workers are `todone worker --max-concurrent-activities 1`, each
 * board is started by `todone run --no-worker --json`; each scenario has a task queue of its own.
 *
 *   npm run build && node bench/fleet.mjs
 *
 * BENCH_TASKS (default 12) tasks of `sleep BENCH_SLEEP` (default 1 s), maxParallel BENCH_PARALLEL
 * (default 8), BENCH_ROUNDS (default 2) boards per scenario; the median of each is compared. Each
 * task's agent writes which worker ran it (the worker's BENCH_WORKER, which agents inherit) and
 * when its sleep started and ended, for the per-worker counts and peak concurrency; the board's
 * history says when the server handed each task to a worker, so a task a busy worker took and held
 * (while another worker sat idle) shows as the time between that and its sleep starting.
 * BENCH_VERBOSE=1 prints each worker's timeline. BENCH_BEFORE=<a dist/ folder of another build> adds
 * that build's CLI as two more scenarios, to compare a change before and after in the same run.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import proto from '@temporalio/proto';
import { DIST, machine, openBench } from './support.mjs';

const TASKS = Number(process.env.BENCH_TASKS ?? 12);
const SLEEP = Number(process.env.BENCH_SLEEP ?? 1);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
// The CLI of a build: the one under test (BENCH_DIST names another checkout's dist/) by default.
const binOf = (dist) => path.resolve(dist, '..', 'bin', 'todone.js');

/** Settles with `promise`, or rejects after `ms` naming what it waited for. */
async function bounded(promise, ms, what) {
  const timeout = delay(ms, undefined, { ref: false }).then(() => {
    throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
  });
  return Promise.race([promise, timeout]);
}

const bench = await openBench('fleet');
const children = [];
/** The built CLI as a child process on the bench's dev server, with its own data folder. */
function cli(bin, args, { home, cwd = bench.dir, env = {} }) {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd,
    env: {
      ...process.env,
      ...env,
      TEMPORAL_ADDRESS: bench.target.address,
      TEMPORAL_NAMESPACE: bench.target.namespace,
      TODONE_HOME: home,
      NO_COLOR: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk) => (out.stdout += chunk));
  child.stderr.on('data', (chunk) => (out.stderr += chunk));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, out, exited };
}

/** `todone worker` with one activity slot on `taskQueue`, once it says it is polling. */
async function startWorker(bin, name, taskQueue) {
  const home = path.join(bench.dir, `worker-${name}`);
  const worker = cli(bin, ['worker', '--task-queue', taskQueue, '--max-concurrent-activities', '1'], {
    home,
    env: { BENCH_WORKER: name },
  });
  const polling = new Promise((resolve, reject) => {
    const check = () => worker.out.stdout.includes('Todone worker polling') && resolve();
    worker.child.stdout.on('data', check);
    void worker.exited.then(({ code, signal }) =>
      reject(
        new Error(
          `worker ${name} exited (${code ?? signal}) before polling:\n${worker.out.stdout}${worker.out.stderr}`,
        ),
      ),
    );
  });
  await bounded(polling, 60_000, `worker ${name} to print "Todone worker polling" on queue ${taskQueue}`);
  return { name, home, ...worker };
}

async function stopWorker(worker) {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  worker.child.kill('SIGTERM');
  try {
    await bounded(worker.exited, 30_000, `worker ${worker.name} to exit after SIGTERM`);
  } catch (error) {
    console.error(`${error.message}; killing it`);
    worker.child.kill('SIGKILL');
    await worker.exited;
  }
}

/** Runs one board on `taskQueue` through `todone run --no-worker`; its result, wall time and each task's mark. */
async function runBoard(bin, name, taskQueue) {
  const folder = path.join(bench.dir, name);
  await fs.mkdir(folder, { recursive: true });
  const agent = `s=$(date +%s%3N); sleep ${SLEEP}; echo "$BENCH_WORKER $s $(date +%s%3N)" > "$TODONE_TASK_ID.mark"`;
  const yaml = [
    `name: ${name}`,
    `maxParallel: ${PARALLEL}`,
    `agent: '${agent}'`,
    'tasks:',
    ...Array.from({ length: TASKS }, (_, i) => `  - { id: t${i} }`),
  ];
  await fs.writeFile(path.join(folder, 'board.yaml'), yaml.join('\n'));
  const started = performance.now();
  const run = cli(bin, ['run', 'board.yaml', '--no-worker', '--json', '--task-queue', taskQueue], {
    home: path.join(bench.dir, 'runner'),
    cwd: folder,
  });
  const { code } = await bounded(run.exited, (TASKS * SLEEP + 120) * 1000, `\`todone run\` of board ${name} to exit`);
  const wallMs = performance.now() - started;
  const result = JSON.parse(run.out.stdout || 'null');
  if (code !== 0 || result?.state !== 'completed')
    throw new Error(`board ${name} ended ${result?.state ?? `with exit ${code}`}:\n${run.out.stdout}${run.out.stderr}`);
  const marks = await Promise.all(
    Array.from({ length: TASKS }, async (_, i) => {
      const [worker, start, end] = (await fs.readFile(path.join(folder, `t${i}.mark`), 'utf8')).trim().split(' ');
      return { task: `t${i}`, worker, start: Number(start), end: Number(end) };
    }),
  );
  const workflowId = /\(workflow ([^)\s]+)\)/.exec(run.out.stderr)?.[1];
  if (!workflowId)
    throw new Error(`no workflow id in the output of \`todone run\` for board ${name}:\n${run.out.stderr}`);
  const handed = await handedOver(workflowId);
  for (const mark of marks) mark.heldMs = mark.start - (handed.get(`task-${mark.task}`) ?? mark.start);
  return { result, wallMs, marks };
}

const { EventType } = proto.temporal.api.enums.v1;
const millis = (ts) => Number(ts?.seconds ?? 0) * 1000 + Math.floor((ts?.nanos ?? 0) / 1e6);

/** When the server handed each task's (last) attempt to a worker: its ActivityTaskStarted, by activity id. */
async function handedOver(workflowId) {
  const { events = [] } = await bench.client.workflow.getHandle(workflowId).fetchHistory();
  const ids = new Map();
  const handed = new Map();
  for (const event of events) {
    if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
      ids.set(Number(event.eventId), event.activityTaskScheduledEventAttributes?.activityId);
    if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      handed.set(ids.get(Number(event.activityTaskStartedEventAttributes?.scheduledEventId)), millis(event.eventTime));
    }
  }
  return handed;
}

/** How many of `boardId`'s tasks left their logs in this worker's data folder. */
async function tasksInHome(worker, boardId) {
  return (await fs.readdir(path.join(worker.home, 'boards', boardId, 'tasks')).catch(() => [])).length;
}

/** The most intervals open at once. */
function peak(intervals) {
  const edges = intervals
    .flatMap(({ start, end }) => [
      [start, 1],
      [end, -1],
    ])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let most = 0;
  for (const [, step] of edges) most = Math.max(most, (open += step));
  return most;
}

const builds = [
  ...(process.env.BENCH_BEFORE
    ? [
        {
          label: ` (before: ${process.env.BENCH_BEFORE})`,
          tag: 'before-',
          bin: binOf(path.resolve(process.env.BENCH_BEFORE)),
        },
      ]
    : []),
  { label: '', tag: '', bin: binOf(DIST) },
];
const scenarios = builds.flatMap(({ label, tag, bin }) => [
  { name: `one worker, 1 slot${label}`, short: `${tag}a`, workers: 1, bin, times: [], rows: [] },
  { name: `two workers, 1 slot each${label}`, short: `${tag}b`, workers: 2, bin, times: [], rows: [] },
]);
try {
  for (const scenario of scenarios) {
    scenario.queue = `fleet-${scenario.short}-${randomUUID()}`;
    // Workers start together and serve every round of their scenario: a round measures the board, not start-up.
    scenario.fleet = await Promise.all(
      Array.from({ length: scenario.workers }, (_, i) =>
        startWorker(scenario.bin, `${scenario.short}${i + 1}`, scenario.queue),
      ),
    );
  }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const scenario of scenarios) {
      const { result, wallMs, marks } = await runBoard(
        scenario.bin,
        `fleet-${scenario.short}-${round}`,
        scenario.queue,
      );
      const ms = result.metrics.executionTimeMs;
      scenario.times.push(ms);
      const perWorker = await Promise.all(
        scenario.fleet.map(async (worker) => {
          const own = marks.filter((mark) => mark.worker === worker.name);
          return {
            name: worker.name,
            tasks: own.length,
            logs: await tasksInHome(worker, result.boardId ?? `fleet-${scenario.short}-${round}`),
            peak: peak(own),
          };
        }),
      );
      const strays = marks.filter((mark) => !scenario.fleet.some((worker) => worker.name === mark.worker));
      if (strays.length > 0)
        throw new Error(
          `tasks ran outside the scenario's workers: ${strays.map((s) => `${s.task} on ${s.worker}`).join(', ')}`,
        );
      // A task handed to a worker whose slot was taken waits there; 250 ms is well above a spawn.
      const held = marks.filter((mark) => mark.heldMs > 250);
      scenario.rows.push({
        round,
        ms,
        wallMs,
        perWorker,
        held: held.length,
        longestHeldMs: Math.max(0, ...marks.map((mark) => mark.heldMs)),
      });
      const split = perWorker
        .map((w) => `${w.name} ${w.tasks} tasks (${w.logs} in its data folder), peak ${w.peak}`)
        .join('; ');
      console.error(
        `round ${round}, ${scenario.name}: board ${(ms / 1000).toFixed(2)} s (CLI ${(wallMs / 1000).toFixed(2)} s); ${split}; ` +
          `${held.length} task(s) held by their worker over 250 ms before starting (longest ${(scenario.rows.at(-1).longestHeldMs / 1000).toFixed(2)} s)`,
      );
      if (process.env.BENCH_VERBOSE) {
        // When each worker's sleeps started and ended, in seconds after the board's first one started.
        const first = Math.min(...marks.map((mark) => mark.start));
        for (const worker of scenario.fleet) {
          const own = marks.filter((mark) => mark.worker === worker.name).sort((x, y) => x.start - y.start);
          const span = (m) =>
            `${m.task} ${((m.start - first) / 1000).toFixed(2)}–${((m.end - first) / 1000).toFixed(2)}${m.heldMs > 250 ? ` (held ${(m.heldMs / 1000).toFixed(2)})` : ''}`;
          console.error(`  ${worker.name}: ${own.map(span).join(', ')}`);
        }
      }
    }
  }
} finally {
  await Promise.all(scenarios.flatMap((scenario) => scenario.fleet ?? []).map(stopWorker));
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await bench.close();
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const ideal = (workers) => (Math.ceil(TASKS / workers) * SLEEP).toFixed(0);
console.log(
  `${TASKS} tasks of \`sleep ${SLEEP}\`, no dependencies, maxParallel ${PARALLEL}, median of ${ROUNDS} alternating rounds (${machine()}):`,
);
console.log(
  '| workers | board time, median | each round | tasks per worker, each round | peak per worker | tasks held > 250 ms by a busy worker | floor |',
);
console.log('| --- | ---: | --- | --- | --- | --- | ---: |');
for (const scenario of scenarios) {
  const rows = scenario.rows;
  console.log(
    `| ${scenario.name} | ${(median(scenario.times) / 1000).toFixed(2)} s | ${scenario.times.map((t) => (t / 1000).toFixed(2)).join(' / ')} s | ` +
      `${rows.map((row) => row.perWorker.map((w) => w.tasks).join('+')).join(', ')} | ${Math.max(...rows.flatMap((row) => row.perWorker.map((w) => w.peak)))} | ` +
      `${rows.map((row) => row.held).join(', ')} | ${ideal(scenario.workers)} s |`,
  );
}
for (let i = 0; i < scenarios.length; i += 2) {
  const [one, two] = [scenarios[i], scenarios[i + 1]];
  const perRound = one.times.map((t, r) => (t / two.times[r]).toFixed(2)).join(' / ');
  console.log(
    `speed-up, ${one.name} / ${two.name}: ${(median(one.times) / median(two.times)).toFixed(2)}x (each round ${perRound})`,
  );
}
