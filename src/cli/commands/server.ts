/** `todone server`: the embedded dev server in the foreground, state under Todone's data folder. */
import { runDevServerForeground, stopDevServer } from '../../../temporal/dev-server.js';
import { todoneHome } from '../../data-dir.js';
import type { CommandIO } from '../io.js';

export async function serverCommand(
  options: { port?: number; uiPort?: number; stop?: boolean },
  io: CommandIO,
): Promise<number> {
  if (options.stop) {
    const stopped = await stopDevServer(todoneHome(io.env));
    io.stdout(
      stopped
        ? 'Stopped the local Temporal dev server (its state stays on disk).\n'
        : 'No local Temporal dev server was running.\n',
    );
    return 0;
  }
  return runDevServerForeground({
    dataDir: todoneHome(io.env),
    env: io.env,
    port: options.port,
    uiPort: options.uiPort,
    print: (line) => io.stdout(`${line}\n`),
    say: (line) => io.stderr(`${line}\n`),
  });
}
