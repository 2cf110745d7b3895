/**
 * Processes run in their own process group so that cancelling a task kills everything it started,
 * and a pid file lets the next attempt kill what a crashed worker left behind.
 */
import fs from 'node:fs/promises';
import { isRunning, terminate } from '../../src/util/processes.js';
import { writeFileAtomic } from '../../src/util/write-atomic.js';

interface PidRecord {
  pid: number;
  attempt: number;
  startedAt: number;
}

export async function writePidFile(file: string, record: PidRecord): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(record));
}

export async function removePidFile(file: string): Promise<void> {
  await fs.rm(file, { force: true });
}

/**
 * A pid file that survives means the worker running that attempt died without cleaning up.
 * Its process group may still be writing to the worktree: stop it before a new attempt starts.
 */
export async function killLeftover(file: string, marker: string): Promise<PidRecord | undefined> {
  let record: PidRecord;
  try {
    record = JSON.parse(await fs.readFile(file, 'utf8')) as PidRecord;
  } catch {
    return undefined;
  }
  if (isRunning(record.pid) && (await carriesMarker(record.pid, marker)))
    await terminate(record.pid, { group: true, graceMs: 2_000 });
  await removePidFile(file);
  return record;
}

/**
 * Pids get reused: before killing a recorded group, check (where /proc exists) that its leader
 * still carries the marker variable Todone gave it.
 */
async function carriesMarker(pid: number, marker: string): Promise<boolean> {
  try {
    const environ = await fs.readFile(`/proc/${pid}/environ`, 'utf8');
    return environ.split('\0').includes(marker);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' && !(await procExists());
  }
}

async function procExists(): Promise<boolean> {
  try {
    await fs.access('/proc/self/environ');
    return true;
  } catch {
    return false;
  }
}
