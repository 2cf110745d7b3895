import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOOLS } from '../src/tools/catalog.js';
import { locateTool, type LocatedTool } from '../src/tools/locate.js';

export const TEMPORAL_CLI_ENV = TOOLS.temporal.envVar;

/**
 * Finds the Temporal CLI that runs the embedded dev server: TODONE_TEMPORAL_CLI (which must be
 * right), then `temporal` on PATH, then the pinned copy in the per-user tools folder
 * (src/tools; fetched there on first use).
 */
export function locateTemporalCli(opts: { env?: NodeJS.ProcessEnv } = {}): Promise<LocatedTool | undefined> {
  return locateTool(TOOLS.temporal, opts.env ?? process.env);
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
