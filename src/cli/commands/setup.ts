/**
 * `todone setup`: makes sure what Todone needs at run time and npm does not bring is here (the
 * Temporal CLI for the embedded server, bubblewrap for the sandbox), fetching what is missing into
 * the per-user tools folder, and says where each was found. Every command fetches on first use
 * anyway; this does it up front (a CI image, an air-gapped machine's preparation, the test suite).
 */
import { TOOLS, type ToolName } from '../../tools/catalog.js';
import { ensureTool } from '../../tools/provision.js';
import { toolsDir } from '../../tools/tools-dir.js';
import type { CommandIO } from '../io.js';

const SOURCES = { env: 'from its variable', path: 'on PATH', tools: 'in the tools folder' } as const;

export async function setupCommand(options: { quiet?: boolean; only?: ToolName[] }, io: CommandIO): Promise<number> {
  const say = (line: string) => io.stderr(`${line}\n`);
  const names = options.only ?? (Object.keys(TOOLS) as ToolName[]);
  for (const name of names) {
    // Bubblewrap confines on Linux only; elsewhere there is nothing to fetch (tasks say so when confined).
    if (name === 'bwrap' && process.platform !== 'linux') continue;
    const found = await ensureTool(name, { env: io.env, say });
    if (!options.quiet) io.stdout(`${TOOLS[name].title}: ${found.path} (${SOURCES[found.source]})\n`);
  }
  if (!options.quiet) io.stdout(`Tools folder: ${toolsDir(io.env)}\n`);
  return 0;
}
