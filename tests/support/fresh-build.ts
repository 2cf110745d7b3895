/**
 * The CLI and end-to-end tests run the built `todone` (bin/todone.js over dist/), and every
 * harness runs dist/'s workflow bundle: both must be the current source. Before a test run
 * (vitest's globalSetup) this builds when any source or build input is newer than the last
 * build's bundle, once, under a lock so two runs in one clone never build over each other.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { withFileLock } from '../../src/util/file-lock.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Written by `npm run build` after the TypeScript compiler: its age is the build's age. */
export const WORKFLOW_BUNDLE = path.join(ROOT, 'dist', 'workflow-bundle.js');

/** What `npm run build` compiles from, and what changes how it compiles. */
const SOURCE_DIRS = ['src', 'workflows', 'activities', 'worker', 'temporal'];
const BUILD_INPUTS = [
  'package.json',
  'tsconfig.json',
  'scripts/bundle-workflows.mjs',
  'scripts/write-board-schema.mjs',
];

async function newestSource(): Promise<{ file: string; mtimeMs: number }> {
  let newest = { file: '', mtimeMs: 0 };
  const consider = async (file: string) => {
    const { mtimeMs } = await fs.stat(file);
    if (mtimeMs > newest.mtimeMs) newest = { file, mtimeMs };
  };
  for (const dir of SOURCE_DIRS) {
    for (const file of await fs.readdir(path.join(ROOT, dir), { recursive: true })) {
      if (file.endsWith('.ts')) await consider(path.join(ROOT, dir, file));
    }
  }
  for (const file of BUILD_INPUTS) await consider(path.join(ROOT, file));
  return newest;
}

/** Why dist/ is not the current source, or undefined when it is. */
export async function staleBecause(): Promise<string | undefined> {
  const built = await fs.stat(WORKFLOW_BUNDLE).catch(() => undefined);
  if (!built) return 'there is no build yet';
  const newest = await newestSource();
  return newest.mtimeMs > built.mtimeMs ? `${path.relative(ROOT, newest.file)} is newer than the build` : undefined;
}

/** Builds when dist/ is stale; says so in one line on stderr. A build that fails stops the run with its errors. */
export async function ensureFreshBuild(): Promise<void> {
  if ((await staleBecause()) === undefined) return;
  const lockDir = path.join(ROOT, 'node_modules', '.cache', 'todone');
  await fs.mkdir(lockDir, { recursive: true });
  await withFileLock(
    path.join(lockDir, 'build.lock'),
    async () => {
      // Another run may have built while this one waited.
      const why = await staleBecause();
      if (why === undefined) return;
      process.stderr.write(`Building dist/ for the CLI and end-to-end tests (${why}): npm run build\n`);
      const build = await execa('npm', ['run', 'build', '--silent'], { cwd: ROOT, reject: false, all: true });
      if (build.exitCode !== 0)
        throw new Error(
          `npm run build failed (exit ${build.exitCode}), so no test would run the current source:\n${build.all}`,
        );
    },
    { timeoutMs: 15 * 60_000 },
  );
}
