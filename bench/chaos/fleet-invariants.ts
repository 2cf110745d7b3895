/**
 * The invariants of the whole run, checked once the workers have stopped: no agent outlived its
 * worker; `todone clean` leaves no worktree or task branch of any board on any worker or on the
 * remote; every run of every board's workflow stayed under Temporal's history limits; no worker
 * grew past the memory bound.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { boardBranchPrefix, integrationBranch } from '../../activities/git/names.js';
import { boardWorkflowId } from '../../workflows/api.js';
import type { ChaosBoard } from './board.js';
import { check, type Check } from './check.js';
import type { Fleet } from './fleet.js';
import { TODONE_BIN } from './member.js';
import { runningAgents } from './targets.js';

const run = promisify(execFile);

/** The server's own warning thresholds (it refuses at 51,200 events and 50 MB). */
export const HISTORY_EVENTS_LIMIT = 10_240;
export const HISTORY_BYTES_LIMIT = 10 * 1024 * 1024;
export const WORKER_RSS_LIMIT_MB = 1_024;

export async function noOrphans(executions: string, waitMs = 10_000): Promise<Check> {
  const c = check('no-orphan-agents', 'no agent process outlives the run (once every worker has stopped)');
  const deadline = Date.now() + waitMs;
  let left = await runningAgents(executions);
  // An agent a worker was running when it stopped gets the worker's grace to end; nothing longer.
  while (left.length > 0 && Date.now() < deadline) {
    await delay(250);
    left = await runningAgents(executions);
  }
  c.checked = 1;
  for (const agent of left) {
    c.violations.push(
      `agent of ${agent.boardId}/${agent.taskId} (pid ${agent.pid}) still running ${waitMs / 1000} s after the workers stopped`,
    );
    try {
      process.kill(-agent.pgid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  return c;
}

/** `todone clean <board>` from the submitter's and each worker's data folder, then nothing of the board may be left. */
export async function cleanLeavesNothing(fleet: Fleet, boards: readonly ChaosBoard[]): Promise<Check> {
  const c = check(
    'clean-leaves-nothing',
    '`todone clean` leaves no worktree or task branch on any worker or the remote',
  );
  const homes = [path.join(fleet.root, 'homes', 'submitter'), ...fleet.workers.map((w) => w.home)];
  for (const board of boards) {
    for (const home of homes) {
      const cleaned = await run(process.execPath, [TODONE_BIN, 'clean', board.file], {
        env: { ...process.env, ...fleet.env(home), NO_COLOR: '1' },
      }).catch((error: { stderr?: string; message?: string }) => error);
      if ('message' in cleaned && cleaned.message)
        c.violations.push(`todone clean ${board.id} in ${home} failed: ${(cleaned.stderr ?? cleaned.message).trim()}`);
    }
    c.checked++;
    const refs = (
      await run('git', [
        '-C',
        fleet.remote,
        'for-each-ref',
        '--format=%(refname:short)',
        `refs/heads/${boardBranchPrefix(board.id)}`,
      ])
    ).stdout
      .split('\n')
      .filter((ref) => ref && ref !== integrationBranch(board.id));
    if (refs.length > 0)
      c.violations.push(
        `${board.id}: ${refs.length} task branch(es) left on the remote: ${refs.slice(0, 5).join(', ')}`,
      );
    for (const worker of fleet.workers) {
      for (const left of await leftoverWorktrees(worker.home, board.id))
        c.violations.push(`${board.id}: worktree left on ${worker.name}: ${left}`);
    }
  }
  return c;
}

/**
 * Task and pool worktrees of the board still in the worker's clone (registered with git, or as
 * folders), each with what git and the folder say of it: the evidence of why clean passed it by.
 */
async function leftoverWorktrees(home: string, boardId: string): Promise<string[]> {
  const left: string[] = [];
  const gitDir = path.join(home, 'git');
  for (const remote of await fs.readdir(gitDir).catch(() => [] as string[])) {
    const root = path.join(gitDir, remote, 'worktrees', boardId);
    const clone = path.join(gitDir, remote, 'clone');
    const listed = await run('git', ['-C', clone, 'worktree', 'list', '--porcelain']).catch(() => ({ stdout: '' }));
    // Porcelain records are blank-line separated: "worktree <path>", then HEAD, branch, locked, prunable lines.
    const records = new Map(
      listed.stdout
        .split('\n\n')
        .map((record) => record.split('\n').filter(Boolean))
        .filter((lines) => lines[0]?.startsWith('worktree '))
        .map((lines) => [lines[0]!.slice('worktree '.length), lines.slice(1).join('; ')] as const),
    );
    const found = new Set<string>();
    for (const group of ['tasks', 'pool'])
      for (const name of await fs.readdir(path.join(root, group)).catch(() => [] as string[]))
        found.add(path.join(root, group, name));
    for (const registered of records.keys())
      // The integration worktree stays with the integration branch (`todone clean --all` takes both).
      if (registered.startsWith(`${root}/`) && registered !== path.join(root, 'integration')) found.add(registered);
    for (const wt of found) {
      const hasGit = await fs.lstat(path.join(wt, '.git')).then(
        () => 'a .git file',
        () => 'no .git file',
      );
      const record = records.get(wt);
      left.push(`${wt} (${record === undefined ? 'not registered' : `registered: ${record}`}; ${hasGit})`);
    }
  }
  return left;
}

export async function historiesBounded(client: Client, boards: readonly ChaosBoard[]): Promise<Check> {
  const c = check(
    'history-bounded',
    `every run of every board's workflow under ${HISTORY_EVENTS_LIMIT} events and ${HISTORY_BYTES_LIMIT / 1024 / 1024} MiB`,
  );
  let most = { events: 0, bytes: 0 };
  for (const board of boards) {
    const query = `WorkflowId = "${boardWorkflowId(board.id)}"`;
    for await (const execution of client.workflow.list({ query })) {
      c.checked++;
      const events = execution.historyLength;
      const bytes = execution.historySize ?? 0;
      most = { events: Math.max(most.events, events), bytes: Math.max(most.bytes, bytes) };
      if (events > HISTORY_EVENTS_LIMIT || bytes > HISTORY_BYTES_LIMIT)
        c.violations.push(`${board.id} run ${execution.runId}: ${events} events, ${bytes} bytes`);
    }
  }
  c.detail = `largest: ${most.events} events, ${Math.round(most.bytes / 1024)} KiB`;
  return c;
}

export function workersSurvive(fleet: Fleet): Check {
  const c = check('workers-survive', 'no worker exits by itself, whatever it meets (a full disk, a lost server)');
  c.checked = fleet.workers.reduce((n, w) => n + w.member.starts, 0);
  for (const e of fleet.ownExits)
    c.violations.push(
      `${e.worker} exited (${e.exit}) at ${new Date(e.at).toISOString().slice(11, 23)}: see logs/${e.worker}.log`,
    );
  return c;
}

export function memoryBounded(fleet: Fleet): Check {
  const c = check('memory-bounded', `no worker's resident memory over ${WORKER_RSS_LIMIT_MB} MiB`);
  for (const w of fleet.workers) {
    c.checked++;
    if (w.peakRssMb > WORKER_RSS_LIMIT_MB) c.violations.push(`${w.name} reached ${w.peakRssMb} MiB`);
  }
  c.detail = `peak ${fleet.workers.map((w) => `${w.name} ${w.peakRssMb} MiB`).join(', ')}`;
  return c;
}
