/** The agents' own account of each run: `executions/<board>/<task>.log`, a start line and an end line per run. */
import fs from 'node:fs/promises';
import path from 'node:path';

export interface Execution {
  start: number;
  attempt: string;
  /** The worktree it ran in, which names the worker's data folder. */
  cwd: string;
  /** Its pid and start time in nanoseconds: pids repeat across the sandbox's pid namespaces. */
  run: string;
  /** When the agent finished its work (absent: it was killed, or is still running). */
  end?: number;
}

/** Every task's executions, in the order they started. */
export async function readExecutions(executions: string, boardId: string): Promise<Map<string, Execution[]>> {
  const dir = path.join(executions, boardId);
  const byTask = new Map<string, Execution[]>();
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith('.log')) continue;
    byTask.set(name.slice(0, -'.log'.length), parseLog(await fs.readFile(path.join(dir, name), 'utf8')));
  }
  return byTask;
}

/** Lines of concurrent runs (a run a lost worker left going, and its rerun) interleave: an end line names its run. */
export function parseLog(text: string): Execution[] {
  const runs: Execution[] = [];
  for (const line of text.split('\n')) {
    // start <ms> <attempt> <cwd> <run>, end <ms> <run>
    const [kind, time, attempt, cwd, run] = line.split(' ');
    if (kind === 'start' && time && cwd && run) {
      runs.push({ start: Number(time), attempt: attempt ?? '', cwd, run });
    } else if (kind === 'end' && time) {
      const open = [...runs].reverse().find((r) => r.end === undefined && r.run === attempt);
      if (open) open.end = Number(time);
    }
  }
  return runs.sort((a, b) => a.start - b.start);
}
