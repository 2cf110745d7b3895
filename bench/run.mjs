/** Runs every bench in this folder, one after another (`npm run bench` builds first). */
const benches = [
  './plan-scale.mjs',
  './live-feed.mjs',
  './worktree-pool.mjs',
  './activity.mjs',
  './sandbox.mjs',
  './overhead.mjs',
  './resume.mjs',
  './scale.mjs',
  './fleet.mjs',
];
for (const bench of benches) await import(bench);
