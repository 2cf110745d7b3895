/**
 * `todone status|cancel <board>` accept a board file or a board id: a path that exists is read
 * for its id, anything else is taken as the id itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadBoardFile } from '../board/load.js';

export async function resolveBoardId(ref: string, cwd: string): Promise<string> {
  const candidate = path.resolve(cwd, ref);
  if (fs.existsSync(candidate)) return (await loadBoardFile(candidate)).id;
  return ref;
}
