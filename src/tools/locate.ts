/**
 * Finds a tool: its variable (TODONE_TEMPORAL_CLI, TODONE_BWRAP) wins and must be right — a typo
 * there should not silently fall through to some other binary — then the name on PATH, then the
 * pinned copy in the per-user tools folder.
 */
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { SetupError } from '../errors.js';
import type { ToolSpec } from './catalog.js';
import { toolBinary } from './tools-dir.js';

export interface LocatedTool {
  path: string;
  source: 'env' | 'path' | 'tools';
}

export async function locateTool(
  spec: ToolSpec,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LocatedTool | undefined> {
  const fromEnv = env[spec.envVar];
  if (fromEnv) {
    const resolved = path.resolve(fromEnv);
    if (!(await isExecutableFile(resolved))) {
      throw new SetupError(
        `${spec.envVar} is set to ${fromEnv}, which is not an executable file. ` +
          `Point it at ${spec.title}'s binary, or unset it to let Todone find or fetch one.`,
      );
    }
    return { path: resolved, source: 'env' };
  }
  for (const candidate of pathCandidates(spec.pathName, env)) {
    if (await isExecutableFile(candidate)) return { path: candidate, source: 'path' };
  }
  const provisioned = toolBinary(spec, env);
  if (await isExecutableFile(provisioned)) return { path: provisioned, source: 'tools' };
  return undefined;
}

function pathCandidates(name: string, env: NodeJS.ProcessEnv): string[] {
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter(Boolean);
  const names =
    process.platform === 'win32'
      ? (env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').map((ext) => `${name}${ext.toLowerCase()}`)
      : [name];
  return dirs.flatMap((dir) => names.map((n) => path.join(dir, n)));
}

export async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return false;
    await fs.access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}
