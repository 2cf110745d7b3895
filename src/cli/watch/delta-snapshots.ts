/**
 * Status polls that ask only for what changed since the last answer (`changedSince`), so watching
 * a 10,000-task board costs what changes, not the board. Each snapshot's `tasks` are the tasks that
 * changed since the previous one (all of them the first time, read page by page); the counts are
 * the board's. A failed poll leaves the cursor where it was: the next one asks again.
 */
import type { BoardSnapshot } from '../../client/board-client.js';
import type { StatusRequest } from '../../core/run-state.js';

export function deltaSnapshots(
  fetch: (request: StatusRequest) => Promise<BoardSnapshot>,
): () => Promise<BoardSnapshot> {
  let cursor = -1;
  return async () => {
    const first = await fetch({ changedSince: cursor });
    const status = first.status;
    // A finished board answers with its whole result; a board no worker serves, with nothing.
    if (!status || 'metrics' in status) return first;
    const tasks = [...status.tasks];
    let page = status.page;
    while (page?.more && tasks.length < page.matched) {
      const next = (await fetch({ changedSince: cursor, offset: tasks.length })).status;
      if (!next || 'metrics' in next || next.tasks.length === 0) break;
      tasks.push(...next.tasks);
      page = next.page;
    }
    // Changes made while later pages were read carry a higher number: the next poll gets them.
    if (status.seq !== undefined) cursor = status.seq;
    return { ...first, status: { ...status, tasks, page: undefined } };
  };
}
