/**
 * Steering a running board, as `todone cancel|retry|approve|reject|add|pause|resume|set|land` do: each answers
 * with what the board did, or is refused with the reason and nothing changes.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { addedTasksFrom } from '../../board/load-added.js';
import { readBoardFile } from '../../board/parse.js';
import { resolveBoard } from '../../cli/board-ref.js';
import { landResult } from '../../cli/commands/land.js';
import { requester } from '../../client/board-client.js';
import { LIMITS } from '../../core/limits.js';
import type { BoardResult } from '../../core/run-state.js';
import { InvalidInputError } from '../../errors.js';
import type { Answer } from '../answers.js';
import { boardRefShape } from '../board-ref.js';
import { MAX_DOCUMENT_BYTES } from '../board-source.js';
import type { McpContext } from '../context.js';
import { toolCall } from '../tool-call.js';

const taskIds = z.array(z.string().min(1)).min(1).max(1_000);
const comment = z.string().max(LIMITS.comment);

/** Who decided at a gate: the person the MCP server runs as, and that it came through MCP (an agent may have asked). */
const decider = () => `${requester()} via mcp`;

export function registerSteerTools(server: McpServer, ctx: McpContext): void {
  const steer = (name: string, description: string, work: (boardId: string) => Promise<Answer>) =>
    server.registerTool(
      name,
      { description, inputSchema: boardRefShape, annotations: { readOnlyHint: false, openWorldHint: true } },
      (args) => toolCall(name, async () => work((await resolveBoard(args.board, ctx.io.cwd)).id)),
    );

  server.registerTool(
    'cancel_board',
    {
      description: 'Cancel a running board: running tasks are killed (their process groups), nothing new starts.',
      inputSchema: { ...boardRefShape, reason: z.string().max(1_000).optional() },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    (args) =>
      toolCall('cancel_board', async () => {
        const { id } = await resolveBoard(args.board, ctx.io.cwd);
        const session = await ctx.session();
        const state = (await session.boards.describe(id)).status.name;
        if (state !== 'RUNNING')
          return { board: id, cancelled: false, message: `not running (${state}): nothing to cancel` };
        const outcome = await session.boards.cancelBoard(id, args.reason);
        const message =
          outcome.how === 'terminated'
            ? 'its workflow keeps failing and could not read the cancellation: it was terminated instead'
            : outcome.how === 'queued'
              ? 'no worker is running it now: the cancellation applies when one does'
              : 'running tasks are being stopped; nothing new will start';
        return { board: id, cancelled: true, how: outcome.how, message };
      }),
  );

  server.registerTool(
    'cancel_task',
    {
      description: 'Cancel one task of a running board: its process group is killed and its dependents are skipped.',
      inputSchema: { ...boardRefShape, task: z.string().min(1), reason: z.string().max(1_000).optional() },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    (args) =>
      toolCall('cancel_task', async () => {
        const { id } = await resolveBoard(args.board, ctx.io.cwd);
        const session = await ctx.session();
        const state = (await session.boards.describe(id)).status.name;
        if (state !== 'RUNNING')
          return { board: id, task: args.task, cancelled: false, message: `board not running (${state})` };
        const answer = await session.boards.cancelTask(id, args.task, args.reason);
        return {
          board: id,
          task: args.task,
          cancelled: answer.accepted,
          state: answer.state,
          ...(answer.queued ? { message: 'no worker is running the board: applies when it resumes' } : {}),
        };
      }),
  );

  server.registerTool(
    'retry_tasks',
    {
      description:
        'Run failed, conflicted or cancelled tasks of a running board again with fresh attempts; the dependents they skipped come back.',
      inputSchema: { ...boardRefShape, tasks: taskIds },
      annotations: { readOnlyHint: false, openWorldHint: true },
    },
    (args) =>
      toolCall('retry_tasks', async () => {
        const { id } = await resolveBoard(args.board, ctx.io.cwd);
        const session = await ctx.session();
        return { board: id, ...(await session.boards.retryTasks(id, args.tasks)) };
      }),
  );

  server.registerTool(
    'approve_task',
    {
      description:
        'Approve a task waiting at its approval gate (state awaiting-approval): its work is integrated and its dependents can start, or, at a gate before its start, it starts. Recorded with who and when.',
      inputSchema: { ...boardRefShape, task: z.string().min(1), comment: comment.optional() },
      annotations: { readOnlyHint: false, openWorldHint: true },
    },
    (args) =>
      toolCall('approve_task', async () => {
        const { id } = await resolveBoard(args.board, ctx.io.cwd);
        const session = await ctx.session();
        const answer = await session.boards.approveTask(id, args.task, {
          by: decider(),
          ...(args.comment?.trim() ? { comment: args.comment } : {}),
        });
        return {
          board: id,
          ...answer,
          message:
            answer.state === 'pending'
              ? 'approved: it starts when a slot is free'
              : 'approved: its work goes in and its dependents can start',
        };
      }),
  );

  server.registerTool(
    'reject_task',
    {
      description:
        'Reject a task waiting at its approval gate. comment says why: the task runs again on top of its earlier work, told the comment in its prompt and TODONE_FEEDBACK, then waits for approval again. With final: true it fails for good and its dependents are skipped.',
      inputSchema: {
        ...boardRefShape,
        task: z.string().min(1),
        comment: comment.refine((text) => text.trim() !== '', 'a rejection says why: the task is told'),
        final: z.boolean().optional(),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, openWorldHint: true },
    },
    (args) =>
      toolCall('reject_task', async () => {
        const { id } = await resolveBoard(args.board, ctx.io.cwd);
        const session = await ctx.session();
        const answer = await session.boards.rejectTask(id, args.task, args.comment, {
          by: decider(),
          ...(args.final ? { final: true } : {}),
        });
        return {
          board: id,
          ...answer,
          message:
            answer.state === 'failed'
              ? 'rejected for good: it failed, and what depends on it is skipped'
              : 'sent back: it runs again with the comment, then waits for approval again',
        };
      }),
  );

  server.registerTool(
    'add_tasks',
    {
      description:
        "Add tasks to a running board. board must be its board file (the tasks take the board's defaults); tasks " +
        "is a list of tasks in the board file's schema (YAML/JSON text, or the list), or file the path of such a file. " +
        "They may depend on its tasks; duplicates, unknown ids and cycles are refused with the loader's messages.",
      inputSchema: {
        ...boardRefShape,
        tasks: z
          .union([z.string(), z.array(z.record(z.string(), z.unknown())).max(1_000)])
          .optional()
          .describe('The tasks to add: YAML/JSON text, or the list of task objects.'),
        file: z.string().optional().describe('Or a file holding them (a list, or a mapping with tasks:).'),
      },
      annotations: { readOnlyHint: false, openWorldHint: true },
    },
    (args) =>
      toolCall('add_tasks', async () => {
        if ((args.tasks === undefined) === (args.file === undefined))
          throw new InvalidInputError('this call', [
            { path: 'tasks', message: 'give either tasks or file (not both)' },
          ]);
        const boardFile = path.resolve(ctx.io.cwd, args.board);
        if (!(await fs.stat(boardFile).catch(() => undefined)))
          throw new InvalidInputError(args.board, [
            {
              path: 'board',
              message: "add_tasks needs the board file, not only its id: the added tasks take the board's defaults",
            },
          ]);
        const text = typeof args.tasks === 'string' ? args.tasks : JSON.stringify(args.tasks ?? []);
        if (Buffer.byteLength(text) > MAX_DOCUMENT_BYTES)
          throw new InvalidInputError('this call', [
            { path: 'tasks', message: `over the ${MAX_DOCUMENT_BYTES}-byte limit of tasks sent inline` },
          ]);
        const added =
          args.file !== undefined
            ? await readBoardFile(path.resolve(ctx.io.cwd, args.file))
            : { display: 'tasks', text };
        const { board, tasks } = addedTasksFrom(await readBoardFile(boardFile), added, { home: ctx.home });
        const session = await ctx.session();
        return { board: board.id, ...(await session.boards.addTasks(board.id, tasks)) };
      }),
  );

  steer('pause_board', 'Stop starting tasks on a running board (running ones finish).', async (id) => {
    const session = await ctx.session();
    return { board: id, ...(await session.boards.pause(id)) };
  });
  steer('resume_board', 'Start tasks again on a paused board (also past a breakpoint).', async (id) => {
    const session = await ctx.session();
    return { board: id, ...(await session.boards.resume(id)) };
  });

  server.registerTool(
    'set_max_parallel',
    {
      description: 'Change how many tasks of a running board may run at once.',
      inputSchema: { ...boardRefShape, maxParallel: z.number().int().positive().max(10_000) },
      annotations: { readOnlyHint: false, openWorldHint: true },
    },
    (args) =>
      toolCall('set_max_parallel', async () => {
        const { id } = await resolveBoard(args.board, ctx.io.cwd);
        const session = await ctx.session();
        return { board: id, ...(await session.boards.setMaxParallel(id, args.maxParallel)) };
      }),
  );

  steer(
    'land_board',
    'Git boards: fast-forward the base branch to the integration branch, only when every task succeeded and the base has not moved (as `todone land`).',
    async (id) => {
      const session = await ctx.session();
      const snapshot = await session.boards.snapshot(id);
      if (snapshot.description.status.name !== 'COMPLETED' || !snapshot.status)
        return {
          board: id,
          landed: false,
          message: `not finished (${snapshot.description.status.name}): nothing to land yet`,
        };
      const said: string[] = [];
      const io = { ...ctx.io, stdout: (text: string) => said.push(text), stderr: (text: string) => said.push(text) };
      const code = await landResult(snapshot.status as BoardResult, io);
      return { board: id, landed: code === 0, message: said.join('').trim() };
    },
  );
}
