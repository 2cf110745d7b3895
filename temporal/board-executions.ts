/**
 * Board executions as visibility lists them, read without decoding their memo: a board whose memo
 * was written through a payload codec this process does not hold (an encrypted board, a foreign
 * client's converter) must not make the whole list fail. Only ids, state, times and queue are read.
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

const { WorkflowExecutionStatus } = proto.temporal.api.enums.v1;

export interface BoardExecution {
  workflowId: string;
  runId: string;
  /** RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, CONTINUED_AS_NEW, TIMED_OUT (as the SDK names them). */
  state: string;
  startedAt: Date;
  closedAt?: Date;
  taskQueue: string;
}

type Timestamp = { seconds?: { toNumber(): number } | number | null; nanos?: number | null } | null | undefined;

function toDate(ts: Timestamp): Date | undefined {
  if (!ts?.seconds) return undefined;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : ts.seconds.toNumber();
  return new Date(seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6));
}

function stateName(code: number | null | undefined): string {
  const name = code == null ? undefined : WorkflowExecutionStatus[code];
  if (typeof name !== 'string') return 'UNKNOWN';
  const short = name.replace(/^WORKFLOW_EXECUTION_STATUS_/, '');
  // The SDK's own spelling, which the web board and earlier listings used.
  return short === 'CANCELED' ? 'CANCELLED' : short;
}

/** Newest first (visibility's own order), at most `limit`, page by page. */
export async function* listBoardExecutions(
  client: Client,
  query: string,
  limit = 1_000,
): AsyncGenerator<BoardExecution, void, undefined> {
  let nextPageToken: Uint8Array | undefined;
  let seen = 0;
  do {
    const page = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      query,
      pageSize: Math.min(limit, 200),
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    for (const raw of page.executions ?? []) {
      if (seen++ >= limit) return;
      const closedAt = toDate(raw.closeTime);
      yield {
        workflowId: raw.execution?.workflowId ?? '',
        runId: raw.execution?.runId ?? '',
        state: stateName(raw.status),
        startedAt: toDate(raw.startTime) ?? new Date(0),
        ...(closedAt ? { closedAt } : {}),
        taskQueue: raw.taskQueue ?? '',
      };
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
}
