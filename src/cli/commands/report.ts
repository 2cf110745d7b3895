/**
 * `todone report <board>`: what happened on a board and what held it up, as markdown (for a pull
 * request), one self-contained HTML file, or JSON. Works on a running board too (the report so far).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { loadBoardFile } from '../../board/load.js';
import type { BoardStatus } from '../../core/run-state.js';
import { NotFoundError } from '../../errors.js';
import { analyzeBoard } from '../../report/analyze.js';
import { renderHtml } from '../../report/html.js';
import { renderMarkdown } from '../../report/markdown.js';
import type { BoardReport, ReportTaskSpec } from '../../report/types.js';
import type { BoardSpec } from '../../core/board.js';
import { readGraph } from '../../ui/board-graph.js';
import type { BoardClient } from '../../client/board-client.js';
import type { CommandIO } from '../io.js';
import { openSession } from '../session.js';
import { terminalText } from '../format/terminal-text.js';

export type ReportFormat = 'md' | 'html' | 'json';

export interface ReportCommandOptions {
  board: string;
  format: ReportFormat;
  /** Write the report to this file instead of stdout. */
  out?: string;
}

export async function reportCommand(options: ReportCommandOptions, io: CommandIO): Promise<number> {
  const file = path.resolve(io.cwd, options.board);
  const spec = await fs.stat(file).then(
    () => loadBoardFile(file),
    () => undefined,
  );
  const boardId = spec?.id ?? options.board;
  const session = await openSession(io);
  try {
    const report = await boardReport(session.boards, boardId, spec);
    const text =
      options.format === 'json'
        ? `${JSON.stringify(report, null, 2)}\n`
        : options.format === 'html'
          ? renderHtml(report)
          : renderMarkdown(report);
    if (options.out) {
      await fs.writeFile(path.resolve(io.cwd, options.out), text);
      io.stderr(`Report written to ${options.out}\n`);
    } else {
      io.stdout(options.format === 'json' ? text : terminalText(text));
    }
    return 0;
  } finally {
    await session.close();
  }
}

/**
 * The report of a running or finished board. `spec` is its board file, when known: a finished
 * board's graph query needs a worker to answer, so the file's tasks are used first; tasks added to
 * the running board are only in the workflow's graph.
 */
export async function boardReport(boards: BoardClient, boardId: string, spec?: BoardSpec): Promise<BoardReport> {
  const status = await fullStatus(boards, boardId);
  let specs: ReportTaskSpec[] | undefined = spec?.tasks.map((t) => ({
    id: t.id,
    dependsOn: t.dependsOn,
    estimateMs: t.estimateMs,
  }));
  if (!specs || status.tasks.some((t) => !specs!.some((s) => s.id === t.id)))
    specs = (await graphOrUndefined(boards, boardId)) ?? specs;
  return analyzeBoard({ status, ...(specs ? { specs } : {}), now: Date.now() });
}

async function fullStatus(boards: BoardClient, boardId: string): Promise<BoardStatus> {
  const snapshot = await boards.snapshot(boardId, 5_000, { all: true });
  const status = snapshot.status;
  if (!status) {
    throw new NotFoundError(
      snapshot.answered
        ? `board "${boardId}" has no status to report (its workflow is ${snapshot.description.status.name.toLowerCase()})`
        : `board "${boardId}" is running but no worker answered: run \`todone run <board file>\` or \`todone worker\`, then report again`,
    );
  }
  for (let page = status.page; page?.more;) {
    const next = (await boards.snapshot(boardId, 5_000, { all: true, offset: status.tasks.length })).status;
    if (!next || next.tasks.length === 0) break;
    status.tasks.push(...next.tasks);
    page = next.page;
  }
  return status;
}

async function graphOrUndefined(boards: BoardClient, boardId: string): Promise<ReportTaskSpec[] | undefined> {
  try {
    return await readGraph(boards, boardId, 3_000);
  } catch {
    // No worker to answer the query (a finished board, nothing polling): report without the graph.
    return undefined;
  }
}
