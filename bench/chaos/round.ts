/**
 * One board of the run: written, submitted by `todone run --no-worker`, followed from the driver's
 * own client until its workflow closes. The submitter is a target of faults: when it is gone while
 * the board still has work left, it is started again, which attaches to the running board.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { BoardResult, BoardStatus } from '../../src/core/run-state.js';
import { boardWorkflowId, statusQuery } from '../../workflows/api.js';
import type { ChaosBoard } from './board.js';
import type { SubmitterControl } from './faults.js';
import type { Fleet } from './fleet.js';
import type { Member } from './member.js';

/** How long one board may take, faults and all, before the run says it hung. */
const BOARD_DEADLINE_MS = 20 * 60_000;
/**
 * Near its end a board is let finish without a submitter: `todone run` on a board that completed
 * meanwhile would start it again, which is what that command is for, not a fault of the board.
 */
const RESTART_WHILE_LEFT = 3;

export class Submitter implements SubmitterControl {
  current: Member | undefined;
  restarts = 0;

  async kill(): Promise<boolean> {
    if (!this.current?.alive) return false;
    await this.current.kill();
    return true;
  }
}

export async function runRound(
  fleet: Fleet,
  client: Client,
  board: ChaosBoard,
  submitter: Submitter,
  log: (line: string) => void,
): Promise<BoardResult> {
  const handle = client.workflow.getHandle(boardWorkflowId(board.id));
  const member = fleet.submitter(board.file);
  submitter.current = member;
  await member.start();
  const deadline = Date.now() + BOARD_DEADLINE_MS;
  try {
    for (;;) {
      if (Date.now() > deadline)
        throw new Error(`board ${board.id} did not finish within ${BOARD_DEADLINE_MS / 60_000} minutes`);
      await delay(1_000);
      const state = await handle.describe().then(
        (d) => d.status.name,
        (error: unknown) => (error instanceof WorkflowNotFoundError ? 'NOT_STARTED' : 'UNKNOWN'),
      );
      if (state !== 'RUNNING' && state !== 'NOT_STARTED' && state !== 'UNKNOWN') break;
      if (member.alive || member.stopped) continue;
      if (state === 'RUNNING' && !(await worthRestarting(client, board))) continue;
      if (state === 'UNKNOWN') continue;
      submitter.restarts++;
      log(`submitter of ${board.id} is gone: starting it again`);
      await member.start();
    }
    return (await handle.result()) as BoardResult;
  } finally {
    // Its last word is the result it prints; it is not the board.
    const late = delay(60_000, 'late' as const, { ref: false });
    if ((await Promise.race([member.exited, late])) === 'late') await member.kill();
    member.stopped = true;
    await member.close();
  }
}

async function worthRestarting(client: Client, board: ChaosBoard): Promise<boolean> {
  const status: BoardStatus | undefined = await Promise.race([
    client.workflow
      .getHandle(boardWorkflowId(board.id))
      .query(statusQuery)
      .catch(() => undefined),
    delay(5_000, undefined, { ref: false }),
  ]);
  return status !== undefined && status.counts.pending + status.counts.running >= RESTART_WHILE_LEFT;
}
