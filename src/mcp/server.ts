/**
 * Todone as an MCP server: a thin layer over the same client API the CLI uses (the loader, the
 * planner, BoardClient, the report), so an orchestrating agent gets the CLI's validation, messages
 * and bounds. Tool names and inputs are documented in docs/mcp.md and kept stable.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { todoneVersion } from '../version.js';
import type { McpContext } from './context.js';
import { registerDraftTool } from './tools/draft-tool.js';
import { registerPlanTools } from './tools/plan-tools.js';
import { registerReadTools } from './tools/read-tools.js';
import { registerRunTools } from './tools/run-tools.js';
import { registerSteerTools } from './tools/steer-tools.js';

const INSTRUCTIONS =
  'Todone runs a board of tasks (a dependency graph) with coding agents, in parallel, durably. ' +
  'draft_board has a coding agent write a board for a goal; validate_board and plan_board check a board before anything runs; start_board answers at once; ' +
  "wait_board and board_status follow it (keep board_status's seq and pass changedSince); task_log and " +
  "board_report say what happened. Tools that act on a board take { board }: its id or its file's path.";

export function createTodoneMcpServer(ctx: McpContext): McpServer {
  const server = new McpServer({ name: 'todone', version: todoneVersion() }, { instructions: INSTRUCTIONS });
  registerPlanTools(server, ctx);
  registerDraftTool(server, ctx);
  registerRunTools(server, ctx);
  registerReadTools(server, ctx);
  registerSteerTools(server, ctx);
  return server;
}
