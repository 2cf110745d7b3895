/** `todone server`: the embedded dev server in the foreground, state under Todone's data folder. */
import { runDevServerForeground } from '../../../temporal/dev-server.js';
import { todoneHome } from '../../data-dir.js';
import type { CommandIO } from '../io.js';

export async function serverCommand(options: { port?: number; uiPort?: number }, io: CommandIO): Promise<number> {
  return runDevServerForeground({
    dataDir: todoneHome(io.env),
    env: io.env,
    port: options.port,
    uiPort: options.uiPort,
    print: (line) => io.stdout(`${line}\n`),
  });
}
