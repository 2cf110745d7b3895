import os from 'node:os';
import path from 'node:path';

/**
 * Where Todone keeps what outlives a process: the embedded server's database, task logs, pid files.
 * TODONE_HOME wins; otherwise the XDG data folder.
 */
export function todoneHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TODONE_HOME) return path.resolve(env.TODONE_HOME);
  const xdg = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(xdg, 'todone');
}

export function boardDataDir(home: string, boardId: string): string {
  return path.join(home, 'boards', boardId);
}

export function taskDataDir(home: string, boardId: string, taskId: string): string {
  return path.join(boardDataDir(home, boardId), 'tasks', taskId);
}
