// How the pure core scales: plan (waves, critical path, both simulations) and drive the scheduler
// state machine through a whole board, for boards of 1,000 to 10,000 tasks.
// Run: npm run build && node bench/plan-scale.mjs
import { performance } from 'node:perf_hooks';
import { planBoard } from '../dist/src/core/plan.js';
import { BoardScheduler } from '../dist/src/core/scheduler.js';

/** A layered random DAG: each task depends on up to 3 tasks among the 200 before it (seeded, repeatable). */
function board(size) {
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const tasks = [];
  for (let i = 0; i < size; i++) {
    const deps = new Set();
    const count = i === 0 ? 0 : Math.floor(random() * 4);
    for (let d = 0; d < count; d++) deps.add(`t${Math.max(0, i - 1 - Math.floor(random() * 200))}`);
    tasks.push({ id: `t${i}`, dependsOn: [...deps], estimateMs: 1000 + Math.floor(random() * 60_000), priority: 0 });
  }
  return tasks;
}

function time(fn) {
  const start = performance.now();
  const value = fn();
  return [performance.now() - start, value];
}

const rows = [];
for (const size of [1_000, 5_000, 10_000]) {
  const tasks = board(size);
  const [planMs, plan] = time(() => planBoard(tasks, 16));
  const [driveMs] = time(() => {
    const scheduler = new BoardScheduler({ tasks, maxParallel: 16, policy: 'eager' });
    let now = 0;
    const running = [];
    for (;;) {
      running.push(...scheduler.startNext(now));
      if (running.length === 0) break;
      scheduler.succeed(running.shift(), { attempts: 1 }, ++now);
    }
  });
  rows.push({
    size,
    planMs,
    driveMs,
    waves: plan.waves.length,
    eager: plan.makespan.eagerMs,
    wavesMs: plan.makespan.wavesMs,
  });
}

console.log(
  '| tasks | plan (waves, critical path, 2 simulations) | scheduler, start to finish | waves | eager / waves makespan |',
);
console.log('| ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(
    `| ${r.size} | ${r.planMs.toFixed(0)} ms | ${r.driveMs.toFixed(0)} ms | ${r.waves} | ${(r.eager / r.wavesMs).toFixed(3)} |`,
  );
}
