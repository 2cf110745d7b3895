/** The run-time tools as Todone finds them (PATH, TODONE_BWRAP, or the per-user tools folder). */
import { ensureTool } from '../../src/tools/provision.js';

/** Bubblewrap's path, fetched into the tools folder if this machine lacks it (`npm test` runs `todone setup` first). */
export async function bwrapPath(): Promise<string> {
  return (await ensureTool('bwrap')).path;
}
