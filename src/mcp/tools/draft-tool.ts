/**
 * `draft_board`: `todone draft` as a tool. A coding agent writes a board for the goal, the loader's
 * problems go back to it, and the valid board is saved and answered with its plan; nothing runs.
 */
import path from 'node:path';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { InvalidInputError } from '../../errors.js';
import { DEFAULT_DRAFT_TIMEOUT_MS, DEFAULT_ROUNDS, draftBoard } from '../../draft/draft.js';
import type { DraftAgent } from '../../draft/drafter.js';
import { DRAFT_AGENTS } from '../../draft/draft-agents.js';
import { writeBoardFile } from '../../draft/write-board.js';
import type { McpContext } from '../context.js';
import { planAnswer } from '../plan-answer.js';
import { TOOL_BOUND_MS, toolCall } from '../tool-call.js';

const MAX_ROUND_SECONDS = 3_600;

export function registerDraftTool(server: McpServer, ctx: McpContext): void {
  server.registerTool(
    'draft_board',
    {
      description:
        'Have a coding agent write a board for a goal in a repository (as `todone draft`): it gets a map of the ' +
        "repository and the board's schema, the loader's problems go back to it for up to rounds more attempts, " +
        'and the valid board is saved to output and answered with its plan. Nothing runs: start_board does. ' +
        'Long: each attempt may take up to timeoutSeconds.',
      inputSchema: {
        goal: z.string().min(1).max(20_000).describe('What the board is for.'),
        repo: z.string().optional().describe("The repository the board is for (default: the server's folder)."),
        agent: z.enum(DRAFT_AGENTS).optional().describe('The coding agent that writes it (default claude).'),
        command: z
          .array(z.string())
          .min(1)
          .optional()
          .describe('Or your own agent: an argv template with {prompt} and {promptFile} (instead of agent).'),
        model: z.string().optional(),
        output: z.string().optional().describe('Where to save the board (default board.yaml, relative to the server).'),
        replace: z.boolean().optional().describe('Replace output when it exists.'),
        rounds: z
          .number()
          .int()
          .min(0)
          .max(10)
          .optional()
          .describe(`Attempts after the first (default ${DEFAULT_ROUNDS}).`),
        sandbox: z
          .enum(['worktree', 'none'])
          .optional()
          .describe('worktree (default): the agent may write only the draft; none: with full rights.'),
        timeoutSeconds: z
          .number()
          .int()
          .positive()
          .max(MAX_ROUND_SECONDS)
          .optional()
          .describe('Per attempt (default 900).'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, openWorldHint: true },
    },
    (args, extra) => {
      const rounds = args.rounds ?? DEFAULT_ROUNDS;
      const timeoutMs = args.timeoutSeconds !== undefined ? args.timeoutSeconds * 1000 : DEFAULT_DRAFT_TIMEOUT_MS;
      const progressToken = extra._meta?.progressToken;
      return toolCall(
        'draft_board',
        async () => {
          if (args.agent && args.command)
            throw new InvalidInputError('this call', [{ path: 'command', message: 'give agent or command, not both' }]);
          const agent: DraftAgent = args.command
            ? { kind: 'custom', command: args.command }
            : { kind: args.agent ?? 'claude', ...(args.model ? { model: args.model } : {}) };
          const outputDisplay = args.output ?? 'board.yaml';
          const output = path.resolve(ctx.io.cwd, outputDisplay);
          const result = await draftBoard({
            goal: args.goal,
            repo: path.resolve(ctx.io.cwd, args.repo ?? '.'),
            agent,
            output,
            outputDisplay,
            rounds,
            sandbox: args.sandbox ?? 'worktree',
            timeoutMs,
            home: ctx.home,
            replace: args.replace === true,
            onRound: ({ round, of, problems }) => {
              if (progressToken === undefined) return;
              void extra
                .sendNotification({
                  method: 'notifications/progress',
                  params: {
                    progressToken,
                    progress: problems === undefined ? round - 1 : round,
                    total: of,
                    message:
                      problems === undefined
                        ? `attempt ${round} of ${of}`
                        : `attempt ${round}: ${problems.length} problems`,
                  },
                })
                .catch(() => undefined);
            },
          });
          if (!result.ok)
            throw new InvalidInputError(
              `the agent's last draft (attempt ${result.rounds}; prompts and logs in ${result.workDir})`,
              result.problems,
            );
          await writeBoardFile(output, result.text);
          return { written: output, attempts: result.rounds, plan: planAnswer(result.board) };
        },
        (rounds + 1) * timeoutMs + TOOL_BOUND_MS,
      );
    },
  );
}
