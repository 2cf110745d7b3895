/** `board_status`, `task_log` and `board_report`: reading a board, each answer bounded in size and time. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { resolveBoard } from '../../cli/board-ref.js';
import { boardReport } from '../../cli/commands/report.js';
import { describeWait } from '../../client/capability-waits.js';
import { describeStuck } from '../../client/stuck-workflow.js';
import { TASK_STATES, type StatusRequest, type TaskStatus } from '../../core/run-state.js';
import { renderMarkdown } from '../../report/markdown.js';
import { boardRefShape } from '../board-ref.js';
import { DEFAULT_TASK_LIMIT, MAX_TASK_LIMIT, noWorker, summarizeBoard } from '../board-summary.js';
import type { McpContext } from '../context.js';
import { DEFAULT_LOG_BYTES, MAX_LOG_BYTES, readTaskLog } from '../task-log.js';
import { toolCall } from '../tool-call.js';

/** A markdown report longer than this is cut: the JSON of `todone report --format json` has it all. */
const MAX_REPORT_CHARS = 24_000;

export function registerReadTools(server: McpServer, ctx: McpContext): void {
  server.registerTool(
    'board_status',
    {
      description:
        "A board's live state (or its result once finished): counts and the tasks that matter (waiting for " +
        "approval, failed, conflicted, running, cancelled). Keep the answer's seq and pass it as changedSince next time to get only " +
        'the tasks that changed; states or ids list those tasks instead.',
      inputSchema: {
        ...boardRefShape,
        changedSince: z.number().int().optional().describe("Only tasks changed after this seq (a previous answer's)."),
        states: z.array(z.enum(TASK_STATES)).optional().describe('Only tasks in these states.'),
        ids: z.array(z.string()).max(MAX_TASK_LIMIT).optional().describe('Only these tasks.'),
        limit: z
          .number()
          .int()
          .positive()
          .max(MAX_TASK_LIMIT)
          .optional()
          .describe(`Most tasks listed (default ${DEFAULT_TASK_LIMIT}).`),
      },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    (args) =>
      toolCall('board_status', async () => {
        const { id } = await resolveBoard(args.board, ctx.io.cwd);
        const session = await ctx.session();
        const filtered = args.changedSince !== undefined || args.states !== undefined || args.ids !== undefined;
        const limit = args.limit ?? DEFAULT_TASK_LIMIT;
        const request: StatusRequest | undefined = filtered
          ? {
              ...(args.changedSince !== undefined ? { changedSince: args.changedSince } : {}),
              ...(args.states ? { states: args.states } : {}),
              ...(args.ids ? { ids: args.ids } : {}),
              limit,
            }
          : undefined;
        const snapshot = await session.boards.snapshot(id, 3_000, request);
        const workflow = snapshot.description.status.name;
        const extras = {
          workflow,
          ...(snapshot.stuck ? { stuck: describeStuck(snapshot.stuck) } : {}),
          ...(snapshot.waiting ? { waiting: snapshot.waiting.map((w) => `${w.taskId}: ${describeWait(w)}`) } : {}),
        };
        const status = snapshot.status;
        if (!status)
          return {
            board: id,
            ...extras,
            answered: snapshot.answered,
            message: snapshot.answered
              ? 'no status recorded (the workflow did not complete normally)'
              : noWorker(snapshot.description.taskQueue),
          };
        // A finished board answers with its whole result: the filter is applied here.
        const finished = 'metrics' in status;
        const tasks = finished && filtered ? status.tasks.filter((t) => matches(t, request!)) : status.tasks;
        return {
          ...summarizeBoard({ ...status, tasks }, { limit, listed: filtered ? 'all' : 'matter' }),
          ...extras,
        };
      }),
  );

  server.registerTool(
    'task_log',
    {
      description:
        `The end of a task's log (its newest attempt on this machine): at most maxBytes (default ${DEFAULT_LOG_BYTES}, ` +
        `at most ${MAX_LOG_BYTES}), secrets already redacted, terminal escapes removed.`,
      inputSchema: {
        ...boardRefShape,
        task: z.string().min(1).describe('The task id.'),
        maxBytes: z.number().int().positive().max(MAX_LOG_BYTES).optional(),
      },
      annotations: { readOnlyHint: true, openWorldHint: false },
    },
    (args) =>
      toolCall('task_log', async () => {
        const { id } = await resolveBoard(args.board, ctx.io.cwd);
        const session = await ctx.session();
        const snapshot = await session.boards.snapshot(id, 3_000, { ids: [args.task] });
        const task = snapshot.status?.tasks.find((t) => t.id === args.task);
        if (snapshot.status && !task)
          return { task: args.task, found: false, message: `board "${id}" has no task "${args.task}"` };
        return readTaskLog(ctx.home, id, args.task, task?.logPath, args.maxBytes);
      }),
  );

  server.registerTool(
    'board_report',
    {
      description:
        'What happened on a board and what held it up, as markdown (as `todone report`): summary, per task, ' +
        'critical path, bottlenecks and a recommendation. A running board: the report so far.',
      inputSchema: boardRefShape,
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    (args) =>
      toolCall('board_report', async () => {
        const { id, spec } = await resolveBoard(args.board, ctx.io.cwd);
        const session = await ctx.session();
        const markdown = renderMarkdown(await boardReport(session.boards, id, spec));
        return markdown.length <= MAX_REPORT_CHARS
          ? { board: id, markdown }
          : {
              board: id,
              markdown: markdown.slice(0, MAX_REPORT_CHARS),
              truncated: `the first ${MAX_REPORT_CHARS} of ${markdown.length} characters; \`todone report ${id} --format json\` has it all`,
            };
      }),
  );
}

function matches(task: TaskStatus, request: StatusRequest): boolean {
  return (!request.states || request.states.includes(task.state)) && (!request.ids || request.ids.includes(task.id));
}
