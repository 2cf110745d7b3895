/**
 * What a fault can be aimed at right now, found from outside as an operator would: running agents
 * in the process table (their command line names the chaos agent and the run's executions folder), task worktrees in the workers' data
 * folders.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { AGENT_SCRIPT } from './board.js';

export interface RunningAgent {
  pid: number;
  pgid: number;
  boardId: string;
  taskId: string;
}

/** The running agents of one chaos run: shells whose command line is `sh chaos-agent.sh <executions> <task> …`. */
export async function runningAgents(executions: string): Promise<RunningAgent[]> {
  const found: RunningAgent[] = [];
  for (const entry of await fs.readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const argv = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (argv[1] !== AGENT_SCRIPT || argv[2] !== executions || argv[3] === undefined) continue;
    const environ = (await fs.readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '')).split('\0');
    const boardId = environ.find((e) => e.startsWith('TODONE_BOARD_ID='))?.slice('TODONE_BOARD_ID='.length);
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
    // Fields after the command name, which is in parentheses and may hold spaces: state, ppid, pgrp.
    const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    if (boardId && pgid > 0) found.push({ pid, pgid, boardId, taskId: argv[3] });
  }
  return found;
}

export interface TaskWorktree {
  worker: string;
  boardId: string;
  taskId: string;
  path: string;
}

/** Task worktrees (`…/git/<remote>/worktrees/<board>/tasks/<task>`) in each worker's data folder. */
export async function taskWorktrees(workers: readonly { name: string; home: string }[]): Promise<TaskWorktree[]> {
  const found: TaskWorktree[] = [];
  for (const worker of workers) {
    const gitDir = path.join(worker.home, 'git');
    for (const remote of await dirs(gitDir)) {
      const boards = path.join(gitDir, remote, 'worktrees');
      for (const boardId of await dirs(boards)) {
        const tasks = path.join(boards, boardId, 'tasks');
        for (const taskId of await dirs(tasks))
          found.push({ worker: worker.name, boardId, taskId, path: path.join(tasks, taskId) });
      }
    }
  }
  return found;
}

async function dirs(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}
