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
