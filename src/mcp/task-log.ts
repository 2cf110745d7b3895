/**
 * A task's log for `task_log`: the newest attempt's file in the task's data folder, read as a
 * bounded tail. The folder is writable by the task itself (a confined agent writes its logs there),
 * so nothing here follows a link it may have planted: the file is opened with O_NOFOLLOW, must be a
 * regular file with one name whose real path stays in the data folder, and must sit in that folder
 * (a status naming another path is not read). The ids must be safe ids (logPathFor refuses others).
 */
import path from 'node:path';
import { taskDataDir } from '../data-dir.js';
import { logPathFor } from '../ui/log-tail.js';
import { readPlantedFile } from '../util/read-planted.js';
import type { Answer } from './answers.js';

export const DEFAULT_LOG_BYTES = 8 * 1024;
export const MAX_LOG_BYTES = 64 * 1024;

/** Terminal escape sequences and other control characters (tabs and newlines stay). */
const CONTROL =
  // eslint-disable-next-line no-control-regex
  /\u001b\[[0-?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)|[\u0000-\u0008\u000b-\u001f\u007f]/g;

export async function readTaskLog(
  home: string,
  boardId: string,
  taskId: string,
  statusPath: string | undefined,
  maxBytes: number = DEFAULT_LOG_BYTES,
): Promise<Answer> {
  const folder = taskDataDir(home, boardId, taskId);
  const file = await logPathFor(home, boardId, taskId, statusPath);
  if (!file)
    return {
      task: taskId,
      found: false,
      message:
        'no log yet: the task has not started an attempt on this machine (a worker on another machine keeps its log there)',
    };
  if (path.dirname(path.resolve(file)) !== folder)
    return { task: taskId, found: false, message: `the log ${file} is not in the task's folder ${folder}: not read` };
  const read = await readPlantedFile(file, Math.min(maxBytes, MAX_LOG_BYTES), { inside: home });
  if (!read.ok)
    return {
      task: taskId,
      found: false,
      message:
        read.why === 'link'
          ? `the log ${file} is a symbolic link (planted by the task?): not followed`
          : read.why === 'not-a-file'
            ? `the log ${file} is not a regular file: not read`
            : read.why === 'outside'
              ? `the log ${file} leads outside the data folder (a linked folder?): not read`
              : read.why === 'other-names'
                ? `the log ${file} has other names (a hard link planted by the task?): not read`
                : `the log ${file} is not on this machine: the worker that ran this attempt has it`,
    };
  return {
    task: taskId,
    found: true,
    path: file,
    bytes: read.size,
    ...(read.bytes < read.size ? { truncated: `the last ${read.bytes} of ${read.size} bytes` } : {}),
    text: read.text.replace(CONTROL, ''),
  };
}
