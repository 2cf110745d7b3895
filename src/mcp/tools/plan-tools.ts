/** `validate_board` and `plan_board`: the loader and the planner, without Temporal. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import { boardSourceShape, checkBoardSource, loadBoardSource } from '../board-source.js';
import { problemsOf } from '../answers.js';
import type { McpContext } from '../context.js';
import { planAnswer } from '../plan-answer.js';
import { toolCall } from '../tool-call.js';

export function registerPlanTools(server: McpServer, ctx: McpContext): void {
  server.registerTool(
    'validate_board',
    {
      description:
        'Check a board (a file path, or a YAML/JSON document) with the loader `todone run` uses. Answers ' +
        '{ valid: true, board, tasks } or { valid: false, problems: [{ path, message }] } listing every problem at once.',
      inputSchema: boardSourceShape,
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      toolCall('validate_board', async () => {
        checkBoardSource(args);
        try {
          const board = await loadBoardSource(args, ctx.io.cwd, { home: ctx.home });
          return {
            valid: true,
            board: board.id,
            name: board.name,
            tasks: board.tasks.length,
            maxParallel: board.maxParallel,
            ...(board.git ? { repo: board.git.repo } : {}),
          };
        } catch (error) {
          if (!(error instanceof InvalidInputError)) throw error;
          return { valid: false, ...problemsOf(error) };
        }
      }),
  );

  server.registerTool(
    'plan_board',
    {
      description:
        'What running a board would look like, without running it (as `todone plan`): waves, critical path, ' +
        'simulated makespans, the parallelization factor, whether parallel is worth it, and tasks that may run ' +
        'at once while naming the same files. Invalid boards are refused with their problems.',
      inputSchema: {
        ...boardSourceShape,
        maxParallel: z
          .number()
          .int()
          .positive()
          .optional()
          .describe("Plan for this many slots instead of the board's maxParallel."),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      toolCall('plan_board', async () =>
        planAnswer(await loadBoardSource(args, ctx.io.cwd, { home: ctx.home, maxParallel: args.maxParallel })),
      ),
  );
}
