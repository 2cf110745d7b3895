/** Waiting on a running board's status through the client, bounded. */
import type { BoardClient } from '../../src/client/board-client.js';
import type { BoardStatus } from '../../src/core/run-state.js';
import { waitFor } from './wait-for.js';

/** The board's first status for which `done` holds; fails naming `what` after 30 s. */
export function waitForStatus(
  boards: BoardClient,
  boardId: string,
  what: string,
  done: (s: BoardStatus) => boolean,
): Promise<BoardStatus> {
  return waitFor(
    what,
    async () => {
      const status = (await boards.snapshot(boardId, 5_000)).status;
      return status && done(status) ? status : undefined;
    },
    { intervalMs: 100 },
  );
}
