/**
 * The invariants of one finished board: it completed but for exactly the planned conflicts; every
 * succeeded task's commit is on the integration branch exactly once with the file it wrote; no
 * task ran again after it had succeeded; no task ran more often than the faults that hit it allow.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { integrationBranch, parseTrailers } from '../../activities/git/names.js';
import type { BoardResult } from '../../src/core/run-state.js';
import type { ChaosBoard } from './board.js';
import { check, type Check } from './check.js';
import type { Execution } from './executions.js';
import type { Fault } from './faults.js';
import { runsWithinFaults } from './runs-within-faults.js';

const run = promisify(execFile);

async function git(repo: string, args: string[]): Promise<string> {
  return (await run('git', ['-C', repo, ...args], { maxBuffer: 64 << 20 })).stdout;
}

export interface BoardEvidence {
  board: ChaosBoard;
  result: BoardResult;
  executions: Map<string, Execution[]>;
  journal: readonly Fault[];
  /** Worker name → its data folder: an execution's worktree path says which worker ran it. */
  homes: ReadonlyMap<string, string>;
  remote: string;
}

export async function boardInvariants(e: BoardEvidence): Promise<Check[]> {
  return [
    completes(e),
    await integratedOnce(e),
    noRunAfterSuccess(e),
    runsWithinFaults({ boardId: e.board.id, tasks: e.result.tasks, ...e }),
  ];
}

function completes({ board, result }: BoardEvidence): Check {
  const c = check('board-completes', 'every task succeeded but exactly one of each pair planned to conflict');
  const state = new Map(result.tasks.map((t) => [t.id, t]));
  const inPair = new Map(board.conflictPairs.flatMap(([a, b]) => [[a, b] as const, [b, a] as const]));
  for (const planned of board.tasks) {
    c.checked++;
    const t = state.get(planned.id);
    const partner = inPair.get(planned.id);
    if (!t) c.violations.push(`${board.id}/${planned.id} is missing from the result`);
    else if (partner !== undefined) {
      const other = state.get(partner)?.state;
      const pairOk =
        (t.state === 'succeeded' && other === 'conflicted') || (t.state === 'conflicted' && other === 'succeeded');
      if (!pairOk)
        c.violations.push(
          `${board.id}/${planned.id} ${t.state} and ${partner} ${other}: one of the pair must conflict`,
        );
    } else if (t.state !== 'succeeded') {
      c.violations.push(`${board.id}/${planned.id} ${t.state}${t.reason ? `: ${t.reason}` : ''}`);
    }
  }
  return c;
}

async function integratedOnce({ board, result, remote }: BoardEvidence): Promise<Check> {
  const c = check(
    'integrated-once',
    "each succeeded task's commit merged into the integration branch exactly once, its file there",
  );
  const branch = integrationBranch(board.id);
  const log = await git(remote, ['log', '--first-parent', '--format=%B%x00', branch, '--']);
  const merges = new Map<string, string[]>();
  for (const message of log.split('\0')) {
    const t = parseTrailers(message);
    if (t.board === board.id && t.task && t.commit) merges.set(t.task, [...(merges.get(t.task) ?? []), t.commit]);
  }
  const files = new Set((await git(remote, ['ls-tree', '-r', '--name-only', branch])).split('\n'));
  for (const t of result.tasks) {
    c.checked++;
    const merged = merges.get(t.id) ?? [];
    if (t.state !== 'succeeded') {
      if (merged.length > 0) c.violations.push(`${board.id}/${t.id} ${t.state} yet merged ${merged.length} time(s)`);
      continue;
    }
    if (merged.length !== 1) c.violations.push(`${board.id}/${t.id} merged ${merged.length} times`);
    else if (merged[0] !== t.commit?.sha)
      c.violations.push(`${board.id}/${t.id} merged ${merged[0]}, but its result says ${t.commit?.sha}`);
    const file = `files/${t.id}.txt`;
    if (!files.has(file)) c.violations.push(`${board.id}/${t.id}: ${file} is not on ${branch}`);
  }
  // What is on the branch is what the tasks wrote: spot-check the contents of the conflicting pairs' files.
  for (const [a, b] of board.conflictPairs) {
    const winner = result.tasks.find((t) => (t.id === a || t.id === b) && t.state === 'succeeded');
    const file = board.tasks.find((t) => t.id === a)?.conflictFile;
    if (!winner || !file) continue;
    const content = (await git(remote, ['show', `${branch}:${file}`]).catch(() => '')).trim();
    if (content !== winner.id) c.violations.push(`${board.id}: ${file} holds "${content}", not ${winner.id}'s work`);
  }
  return c;
}

function noRunAfterSuccess({ board, result, executions }: BoardEvidence): Check {
  const c = check('no-rerun-after-success', 'no agent started again once its task had succeeded');
  for (const t of result.tasks) {
    if (t.state !== 'succeeded' || t.endedAt === undefined) continue;
    c.checked++;
    const late = (executions.get(t.id) ?? []).filter((run) => run.start > t.endedAt!);
    if (late.length > 0)
      c.violations.push(
        `${board.id}/${t.id} succeeded at ${iso(t.endedAt)} and ran again at ${late.map((r) => iso(r.start)).join(', ')}`,
      );
  }
  return c;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}
