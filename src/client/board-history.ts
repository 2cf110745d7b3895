/**
 * A board's recorded history, as the server keeps it: the latest run, or every run of its chain
 * (a board that continued as new has one history per run). What `todone replay` and the replay
 * corpus feed to the workflow code.
 */
import type { Client } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils.js';

export interface RunHistory {
  workflowId: string;
  runId: string;
  history: History;
}

export type HistoryScope = 'chain' | 'latest';

/** A chain longer than this is cut short rather than read forever (a 10,000-task board has a handful of runs). */
const MAX_RUNS = 1_000;

/**
 * The histories of the latest run, or of every run from the chain's first (continue-as-new links
 * each run to the next). A board started again after it closed is a new chain: only the latest
 * chain is read.
 */
export async function fetchRunHistories(
  client: Client,
  workflowId: string,
  scope: HistoryScope,
): Promise<RunHistory[]> {
  const description = await client.workflow.getHandle(workflowId).describe();
  const latest = description.runId;
  if (scope === 'latest') return [await fetchRun(client, workflowId, latest)];
  const runs: RunHistory[] = [];
  let runId: string | undefined = description.raw.workflowExecutionInfo?.firstRunId || latest;
  while (runId && runs.length < MAX_RUNS) {
    const run = await fetchRun(client, workflowId, runId);
    runs.push(run);
    if (runId === latest) break;
    runId = continuedAs(run.history);
  }
  return runs;
}

async function fetchRun(client: Client, workflowId: string, runId: string): Promise<RunHistory> {
  return { workflowId, runId, history: await client.workflow.getHandle(workflowId, runId).fetchHistory() };
}

/** The run a history continued as, when it ended by continuing as new. */
export function continuedAs(history: History): string | undefined {
  const last = history.events?.at(-1);
  return last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
}
