/**
 * A 10,000-task board end to end: a seeded random DAG (each task depends on up to 3 of the 200
 * before it), 300-character descriptions, maxParallel 50, every task `true`, through a Todone
 * worker and BoardClient from dist/ on a dev server of its own. Reports wall time, tasks per
 * second, and from the workflow's histories (every run, following continue-as-new) the events per
 * run, the largest payload and the longest workflow task, plus this process's peak RSS (it hosts
 * the worker).
 *
 *   npm run build && node bench/scale.mjs
 *
 * BENCH_TASKS (default 10000) and BENCH_PARALLEL (default 50) change the size and the concurrency.
 */
import { historyStats } from './history-stats.mjs';
import { boardFromYaml, machine, openBench, runTodoneBoard, sampleRss } from './support.mjs';

const TASKS = Number(process.env.BENCH_TASKS ?? 10_000);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 50);
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
    'tasks:',
  ];
  for (let i = 0; i < size; i++) {
    const deps = new Set();
    const count = i === 0 ? 0 : Math.floor(random() * 4);
    for (let d = 0; d < count; d++) deps.add(`t${Math.max(0, i - 1 - Math.floor(random() * 200))}`);
    lines.push(`  - id: t${i}`, `    description: '${description(i)}'`, `    dependsOn: [${[...deps].join(', ')}]`);
  }
  return lines.join('\n');
}

const bench = await openBench('scale');
try {
  const board = await boardFromYaml(bench, 'scale', boardYaml(TASKS));
  const rss = sampleRss();
  const { ms, result, handle } = await runTodoneBoard(bench, board);
  const peakRss = rss.stop();
  const runs = await historyStats(bench.client, handle.workflowId, handle.firstExecutionRunId);
  const succeeded = result.tasks.filter((t) => t.state === 'succeeded').length;
  const mb = (bytes) => `${(bytes / 2 ** 20).toFixed(1)} MB`;
  const maxEvents = Math.max(...runs.map((r) => r.events));

  console.log(
    `${TASKS} tasks (random DAG, 300-character descriptions, maxParallel ${PARALLEL}, \`true\`), ${machine()}:`,
  );
  console.log('| measure | value |');
  console.log('| --- | ---: |');
  console.log(`| board state | ${result.state} (${succeeded}/${TASKS} succeeded) |`);
  console.log(`| wall time (start to result) | ${(ms / 1000).toFixed(1)} s |`);
  console.log(`| tasks per second | ${((TASKS * 1000) / ms).toFixed(1)} |`);
  console.log(`| workflow runs (continue-as-new) | ${runs.length} |`);
  console.log(
    `| events per run, largest | ${maxEvents} (${maxEvents < EVENT_LIMIT ? 'under' : 'OVER'} ${EVENT_LIMIT}) |`,
  );
  console.log(`| history per run, largest | ${mb(Math.max(...runs.map((r) => r.bytes)))} |`);
  console.log(
    `| largest payload in any history | ${(Math.max(...runs.map((r) => r.largestPayload)) / 1024).toFixed(1)} KB |`,
  );
  console.log(`| longest workflow task (started → completed) | ${Math.max(...runs.map((r) => r.longestTaskMs))} ms |`);
  console.log(`| worker process peak RSS | ${mb(peakRss)} |`);
  if (process.env.BENCH_VERBOSE) console.table(runs);
} finally {
  await bench.close();
}
