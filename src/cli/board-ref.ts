/**
 * `todone status|cancel <board>` (and the MCP tools' `board`) accept a board file or a board id: a
 * path that exists is read for its id, anything else is taken as the id itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadBoardFile } from '../board/load.js';
import type { BoardSpec } from '../core/board.js';

/** The board's id, and its file's contents when `ref` named one. */
export async function resolveBoard(ref: string, cwd: string): Promise<{ id: string; spec?: BoardSpec }> {
  const candidate = path.resolve(cwd, ref);
  if (!fs.existsSync(candidate)) return { id: ref };
  const spec = await loadBoardFile(candidate);
  return { id: spec.id, spec };
}

export async function resolveBoardId(ref: string, cwd: string): Promise<string> {
  return (await resolveBoard(ref, cwd)).id;
}
