/**
 * Fresh worktree per task versus a pool slot, on a repository of 20,000+ files.
 *
 *   npm run bench                                  (builds, then runs every bench)
 *   npm run build && node bench/worktree-pool.mjs  (this one only)
 *
 * BENCH_FILES (default 20000) and BENCH_RUNS (default 10) change the size and the number of runs.
 * The repository is built once and cached in the temp folder; each run prepares a worktree for a new
 * task, makes a small change (one edited file, one new file, one build artefact), and releases it
 * with remove: true, which is what a successful task does.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/activities/git/index.js', import.meta.url));
const { initPool, prepareWorktree, releaseWorktree } = await import(dist).catch((error) => {
  throw new Error(`cannot load ${dist}: run \`npm run build\` first (${error.message})`);
});

const FILES = Number(process.env.BENCH_FILES ?? 20_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const BOARD = 'bench';

function git(cwd, args) {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 << 20,
  }).trim();
}

/** FILES small files in nested folders (about 50 per folder), one commit; cached between runs. */
async function benchRepo() {
  const repo = path.join(os.tmpdir(), 'todone-bench', `repo-${FILES}-files`);
  const ready = path.join(repo, '.git', 'todone-bench-ready');
  if (
    await fs.stat(ready).then(
      () => true,
      () => false,
    )
  )
    return repo;
  await fs.rm(repo, { recursive: true, force: true });
  await fs.mkdir(repo, { recursive: true });
  git(repo, ['init', '--quiet', '--initial-branch=main']);
  for (let i = 0; i < FILES; i++) {
    const dir = path.join(
      repo,
      'src',
      `m${String(Math.floor(i / 2500)).padStart(2, '0')}`,
      `d${String(Math.floor(i / 50) % 50).padStart(2, '0')}`,
    );
    if (i % 50 === 0) await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(path.join(dir, `f${i}.ts`), `export const value${i} = ${i};\n// ${'x'.repeat(64)}\n`);
  }
  await fs.writeFile(path.join(repo, '.gitignore'), 'build/\n');
  git(repo, ['add', '-A']);
  git(repo, ['-c', 'user.name=bench', '-c', 'user.email=bench@localhost', 'commit', '--quiet', '-m', `${FILES} files`]);
  await fs.writeFile(ready, '');
  return repo;
}

/** What a small task leaves behind: an edit, a new file, a build artefact. */
async function doWork(dir, i) {
  await fs.appendFile(path.join(dir, 'src', 'm00', 'd00', 'f0.ts'), `// run ${i}\n`);
  await fs.writeFile(path.join(dir, `new-${i}.ts`), 'export {};\n');
  await fs.mkdir(path.join(dir, 'build'), { recursive: true });
  await fs.writeFile(path.join(dir, 'build', 'out.js'), 'built\n');
}

async function measure(label, config, startSha, poolSlot) {
  const rows = [];
  // One unmeasured run warms the file system cache, as a busy worker's would be.
  for (let i = -1; i < RUNS; i++) {
    const taskId = `${label}-${i + 1}`;
    const t0 = performance.now();
    const wt = await prepareWorktree({
      git: config,
      boardId: BOARD,
      taskId,
      startSha,
      ...(poolSlot !== undefined ? { poolSlot } : {}),
    });
    const t1 = performance.now();
    await doWork(wt.path, i);
    const t2 = performance.now();
    await releaseWorktree({
      git: config,
      boardId: BOARD,
      taskId,
      path: wt.path,
      branch: wt.branch,
      remove: true,
      ...(poolSlot !== undefined ? { poolSlot } : {}),
    });
    const t3 = performance.now();
    if (i >= 0) rows.push({ prepare: t1 - t0, release: t3 - t2, total: t1 - t0 + (t3 - t2) });
  }
  return rows;
}

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

function cells(rows, key) {
  const values = rows.map((r) => r[key]);
  return `${quantile(values, 0.5).toFixed(0)} / ${quantile(values, 0.9).toFixed(0)}`;
}

const buildStart = performance.now();
const repo = await benchRepo();
const buildMs = performance.now() - buildStart;
const files = Number(git(repo, ['ls-files']).split('\n').length);
const startSha = git(repo, ['rev-parse', 'HEAD']);
const worktreeRoot = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-bench-wt-'));
const config = { repo, worktreeRoot, poolSize: 1, keep: [], copy: [], link: [], strategy: 'merge' };

try {
  const fresh = await measure('fresh', config, startSha, undefined);
  const poolStart = performance.now();
  await initPool({ git: config, boardId: BOARD, startSha });
  const poolInitMs = performance.now() - poolStart;
  const pooled = await measure('pooled', config, startSha, 0);

  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  console.log(`\n### Worktree: fresh vs pool (${files} tracked files, ${RUNS} runs, median / p90 in ms)\n`);
  console.log('| worktree | prepare | release | prepare + release |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(
    `| fresh (\`worktree add\` + checkout / delete) | ${cells(fresh, 'prepare')} | ${cells(fresh, 'release')} | ${cells(fresh, 'total')} |`,
  );
  console.log(
    `| pool slot (\`checkout -f -B\` + \`clean\`) | ${cells(pooled, 'prepare')} | ${cells(pooled, 'release')} | ${cells(pooled, 'total')} |`,
  );
  console.log(
    `\nOne-time: pool slot creation ${poolInitMs.toFixed(0)} ms` +
      (buildMs > 1_000
        ? `; building the ${files}-file repository took ${(buildMs / 1000).toFixed(1)} s (cached for later runs)`
        : '') +
      `.\n${git(repo, ['--version'])}, Node ${process.version}, ${os.cpus().length} × ${cpu}, ${os.platform()} ${os.release()}.`,
  );
} finally {
  await fs.rm(worktreeRoot, { recursive: true, force: true });
  // Worktrees were registered in the cached repository: drop their registrations with them.
  git(repo, ['worktree', 'prune']);
}
