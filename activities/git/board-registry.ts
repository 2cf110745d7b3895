/**
 * Which repositories a board used, remembered in Todone's data folder, so a worker starting up
 * can find the worktrees of boards that finished (or died) and sweep them.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { boardDataDir } from '../../src/data-dir.js';
import { writeFileAtomic } from '../../src/util/write-atomic.js';
import type { BoardGitConfig } from './types.js';

const FILE = 'git.json';

export async function rememberBoardRepo(home: string, boardId: string, git: BoardGitConfig): Promise<void> {
  const dir = boardDataDir(home, boardId);
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, FILE);
  // A crash never leaves half a record.
  await writeFileAtomic(file, JSON.stringify({ boardId, git }));
}

export async function knownBoardRepos(home: string): Promise<{ boardId: string; git: BoardGitConfig }[]> {
  const boards = await fs.readdir(path.join(home, 'boards')).catch(() => [] as string[]);
  const found: { boardId: string; git: BoardGitConfig }[] = [];
  for (const boardId of boards) {
    try {
      found.push(
        JSON.parse(await fs.readFile(path.join(boardDataDir(home, boardId), FILE), 'utf8')) as {
          boardId: string;
          git: BoardGitConfig;
        },
      );
    } catch {
      // No git record: a board without a repository, or one from before the record existed.
    }
  }
  return found;
}

export async function forgetBoardRepo(home: string, boardId: string): Promise<void> {
  await fs.rm(path.join(boardDataDir(home, boardId), FILE), { force: true });
}
