/**
 * Where a task's files live on the worker, and who may write each. The task's folder in the data
 * folder holds what the worker writes (logs, prompts, dependency outputs, its pid file): the task may
 * read it, never write it, so it cannot plant a link there for the unconfined worker to follow. What
 * the task writes for the worker to read (its TODONE_OUTPUT, files its CLI keeps) goes in its scratch
 * folder, which the worker only reads, without following links. The board's shared folder keeps
 * files for later tasks (on this machine), its cache folder the build tools' caches (caches.ts).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { boardDataDir, taskDataDir } from '../../src/data-dir.js';

export interface TaskPlaces {
  /** Todone's data folder: hidden from a confined task, but for its own folders below. */
  home: string;
  /** The worker's folder for this task: readable to the task, never writable. */
  dir: string;
  /** The task's own writable folder. */
  scratch: string;
  /** TODONE_SHARED_DIR: the board's folder for files later tasks read. */
  shared: string;
  /** The board's cache folder. */
  cache: string;
}

export function taskPlaces(home: string, boardId: string, taskId: string): TaskPlaces {
  const dir = taskDataDir(home, boardId, taskId);
  const board = boardDataDir(home, boardId);
  return {
    home,
    dir,
    scratch: path.join(dir, 'scratch'),
    shared: path.join(board, 'shared'),
    cache: path.join(board, 'cache'),
  };
}

export async function makeTaskPlaces(places: TaskPlaces): Promise<void> {
  await fs.mkdir(places.dir, { recursive: true });
  await Promise.all([places.scratch, places.shared, places.cache].map((dir) => fs.mkdir(dir, { recursive: true })));
}
