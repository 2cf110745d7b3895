import { constants as fsConstants, existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SetupError } from '../src/errors.js';

export const TEMPORAL_CLI_ENV = 'TODONE_TEMPORAL_CLI';

export interface LocatedTemporalCli {
  path: string;
  source: 'env' | 'path' | 'project';
}

/**
 * Finds the Temporal CLI that runs the embedded dev server. An explicit TODONE_TEMPORAL_CLI wins and
 * must be right (a typo there should not silently fall through to some other binary); then `temporal`
 * on PATH; then the copy `npm run provision:temporal` puts in `<project>/.tools/temporal/bin`.
 */
export async function locateTemporalCli(
  opts: { env?: NodeJS.ProcessEnv; projectRoot?: string } = {},
): Promise<LocatedTemporalCli | undefined> {
  const env = opts.env ?? process.env;

  const fromEnv = env[TEMPORAL_CLI_ENV];
  if (fromEnv) {
    const resolved = path.resolve(fromEnv);
    if (!(await isExecutableFile(resolved))) {
      throw new SetupError(
        `${TEMPORAL_CLI_ENV} is set to ${fromEnv}, which is not an executable file. ` +
          `Point it at the Temporal CLI binary, or unset it to use \`temporal\` from PATH.`,
      );
    }
    return { path: resolved, source: 'env' };
  }

  for (const candidate of pathCandidates(env)) {
    if (await isExecutableFile(candidate)) return { path: candidate, source: 'path' };
  }

  const root = opts.projectRoot ?? findPackageRoot();
  if (root) {
    const local = projectCliPath(root);
    if (await isExecutableFile(local)) return { path: local, source: 'project' };
  }
  return undefined;
}

export function projectCliPath(projectRoot: string): string {
  return path.join(
    projectRoot,
    '.tools',
    'temporal',
    'bin',
    process.platform === 'win32' ? 'temporal.exe' : 'temporal',
  );
}

function pathCandidates(env: NodeJS.ProcessEnv): string[] {
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean);
  const names =
    process.platform === 'win32'
      ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').map((ext) => `temporal${ext.toLowerCase()}`)
      : ['temporal'];
  return dirs.flatMap((dir) => names.map((name) => path.join(dir, name)));
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return false;
    await fs.access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The folder holding todone's package.json. Found by walking up because this file runs both from
 * `temporal/` (tests) and from `dist/temporal/` (the built CLI).
 */
export function findPackageRoot(start: string = path.dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = start;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
        if (parsed.name === 'todone') return dir;
      } catch {
        // An unreadable manifest belongs to someone else; keep walking.
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
