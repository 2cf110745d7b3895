/**
 * `start_board` (start, join or resume a board's run, as `todone run` does, and answer at once) and
 * `wait_board` (its result, or its progress when the bounded wait runs out).
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { resolveBoard } from '../../cli/board-ref.js';
import { explainStartRefusal } from '../../cli/start-failure.js';
import type { BoardResult } from '../../core/run-state.js';
import type { Answer } from '../answers.js';
import { boardRefShape } from '../board-ref.js';
import { boardSourceShape, DOCUMENT_SOURCE, loadBoardSource } from '../board-source.js';
import { noWorker, summarizeBoard } from '../board-summary.js';
import type { McpContext } from '../context.js';
import { TOOL_BOUND_MS, toolCall } from '../tool-call.js';

export const DEFAULT_WAIT_SECONDS = 50;
export const MAX_WAIT_SECONDS = 600;
const PROGRESS_EVERY_MS = 10_000;

export function registerRunTools(server: McpServer, ctx: McpContext): void {
  server.registerTool(
    'start_board',
    {
      description:
        'Start a board and answer at once with its id, task count and Web UI link. As `todone run`: a board ' +
        'already running is joined, one whose last run failed or was cancelled is resumed (its unchanged ' +
        'successes kept) unless fresh. Follow it with wait_board or board_status.',
      inputSchema: {
        ...boardSourceShape,
        maxParallel: z.number().int().positive().optional().describe("Override the board's maxParallel."),
        policy: z.enum(['eager', 'waves']).optional().describe('Scheduling policy (default eager).'),
        fresh: z.boolean().optional().describe('Start over instead of resuming a failed or cancelled last run.'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    },
    (args) =>
      toolCall('start_board', async () => {
        const board = await loadBoardSource(args, ctx.io.cwd, {
          home: ctx.home,
          maxParallel: args.maxParallel,
          policy: args.policy,
        });
        const session = await ctx.session();
        const started = await session.boards.startOrAttach(board, { fresh: args.fresh === true }).catch((error) => {
          const { address, namespace } = session.target;
          throw (
            explainStartRefusal(error, {
              boardId: board.id,
              file: args.path ?? DOCUMENT_SOURCE,
              address,
              namespace,
            }) ?? error
          );
        });
        await ctx.boardStarted?.(started.handle.workflowId);
        const link = session.uiLink(started.handle.workflowId);
        const run = started.attached
          ? 'attached to the run in progress'
          : started.resumed
            ? `resumed its last ${started.resumed.state} run: ${started.resumed.kept} of ${started.resumed.total} tasks kept`
            : started.startedOver
              ? `started over: ${started.startedOver}`
              : 'started';
        return {
          board: board.id,
          name: board.name,
          tasks: board.tasks.length,
          maxParallel: board.maxParallel,
          run,
          workflowId: started.handle.workflowId,
          ...(link ? { webUi: link } : {}),
          ...(started.boardChanged
            ? { note: 'the board changed since this run started; it goes on as it started' }
            : {}),
          ...(started.startedByVersion ? { startedByVersion: started.startedByVersion } : {}),
          worker: ctx.hostsWorker
            ? 'this server runs its tasks while it is running'
            : `submitted only: workers on task queue "${started.taskQueue}" run its tasks`,
        };
      }),
  );

  server.registerTool(
    'wait_board',
    {
      description:
        `Wait for a board to finish, at most timeoutSeconds (default ${DEFAULT_WAIT_SECONDS}, at most ${MAX_WAIT_SECONDS}), ` +
        'and answer its result; when the time runs out, the progress so far (finished: false): call again to keep waiting.',
      inputSchema: {
        ...boardRefShape,
        timeoutSeconds: z.number().positive().max(MAX_WAIT_SECONDS).optional(),
      },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    (args, extra) => {
      const waitMs = (args.timeoutSeconds ?? DEFAULT_WAIT_SECONDS) * 1000;
      return toolCall(
        'wait_board',
        async () => {
          const { id } = await resolveBoard(args.board, ctx.io.cwd);
          const session = await ctx.session();
          // Says "no board found" plainly instead of a result that never comes.
          await session.boards.describe(id);
          const controller = new AbortController();
          const progressToken = extra._meta?.progressToken;
          // A client that resets its request timeout on progress can wait the whole bound.
          const waitStarted = Date.now();
          const notify = () => {
            if (progressToken === undefined) return;
            const params = {
              progressToken,
              progress: Math.round((Date.now() - waitStarted) / 1000),
              total: waitMs / 1000,
              message: `waiting for board "${id}" (seconds)`,
            };
            extra.sendNotification({ method: 'notifications/progress', params }).catch(() => undefined);
          };
          notify();
          const progress = progressToken === undefined ? undefined : setInterval(notify, PROGRESS_EVERY_MS);
          let timer: NodeJS.Timeout | undefined;
          try {
            const outcome = await Promise.race([
              session.client
                .withAbortSignal(controller.signal, () => session.boards.handle(id).result())
                .then((result: BoardResult) => ({ result })),
              new Promise<{ result?: undefined }>((resolve) => {
                timer = setTimeout(() => resolve({}), waitMs);
              }),
            ]);
            if (outcome.result) return { finished: true, ...summarizeBoard(outcome.result) };
          } finally {
            clearTimeout(timer);
            if (progress) clearInterval(progress);
            controller.abort();
          }
          const snapshot = await session.boards.snapshot(id);
          const status = snapshot.status;
          const so: Answer = status
            ? summarizeBoard(status)
            : { board: id, answered: false, message: noWorker(snapshot.description.taskQueue) };
          return { finished: false, waitedSeconds: waitMs / 1000, ...so };
        },
        waitMs + TOOL_BOUND_MS,
      );
    },
  );
}
