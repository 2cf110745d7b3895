/**
 * `todone ui`: the live web board on this machine. Prints the page's address with the token every
 * request needs (in the URL's fragment, which browsers never send to servers; the page sends it in
 * a header), then serves until Ctrl-C. Reads go to Temporal through the same BoardClient as the
 * CLI, actions too.
 */
import { tokenFromEnv } from '../../server/guard.js';
import { startUiServer } from '../../ui/server.js';
import type { CommandIO } from '../io.js';
import { openSession } from '../session.js';

export async function uiCommand(
  options: { port: number; host?: string; open?: string },
  io: CommandIO,
): Promise<number> {
  // A bad fixed token is refused before anything starts.
  const token = tokenFromEnv(io.env, 'TODONE_UI_TOKEN');
  const session = await openSession(io);
  try {
    const server = await startUiServer({
      boards: session.boards,
      home: session.home,
      temporalLink: (workflowId) => session.uiLink(workflowId),
      port: options.port,
      token,
      ...(options.host ? { host: options.host } : {}),
    });
    io.stdout(`Todone web board: ${server.pageUrl(options.open)}\n`);
    io.stderr(
      `Serving ${server.url} to this machine${options.host && options.host !== '127.0.0.1' ? ` (bound to ${options.host}: the token is all that guards it; put it behind TLS)` : ''}. ` +
        `The link holds the token: without it the page shows nothing and does nothing. Ctrl-C stops it.\n`,
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    return 0;
  } finally {
    await session.close();
  }
}
