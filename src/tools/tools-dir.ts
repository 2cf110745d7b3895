/**
 * Where provisioned tools live: one folder per user, shared by every checkout and installed copy of
 * Todone, one subfolder per package and version. It does not follow TODONE_HOME, which separates
 * boards' data (tests give every run its own) and would otherwise fetch the tools again each time.
 */
import os from 'node:os';
import path from 'node:path';
import type { ToolSpec } from './catalog.js';

export function toolsDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TODONE_TOOLS_DIR) return path.resolve(env.TODONE_TOOLS_DIR);
  const xdg = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(xdg, 'todone', 'tools');
}

/** The install folder of one pinned version. */
export function toolHome(spec: ToolSpec, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(toolsDir(env), `${spec.pipPackage}-${spec.version}`);
}

export function toolBinary(spec: ToolSpec, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(toolHome(spec, env), ...spec.binary.split('/'));
}
