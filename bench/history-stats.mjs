// What a board's workflow histories hold, read back through the client: for each run of the
// workflow (following continue-as-new), its events, its size, its largest payload, its longest
// workflow task (WorkflowTaskStarted to WorkflowTaskCompleted, by the server's clock), how long it
// took to schedule its first activity (startingMs) and, for a run that continued as new, how long
// it drained after scheduling its last (drainingMs): the price of each continue-as-new.
import proto from '@temporalio/proto';

const { History, EventType } = {
  History: proto.temporal.api.history.v1.History,
  EventType: proto.temporal.api.enums.v1.EventType,
};

const millis = (ts) => Number(ts?.seconds ?? 0) * 1000 + Math.floor((ts?.nanos ?? 0) / 1e6);

/** The largest payload anywhere in `value` (metadata and data bytes). */
function largestPayload(value, seen = { max: 0 }) {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return seen.max;
  if (value.data instanceof Uint8Array && value.metadata && typeof value.metadata === 'object') {
    let size = value.data.length;
    for (const [key, bytes] of Object.entries(value.metadata)) size += key.length + (bytes?.length ?? 0);
    seen.max = Math.max(seen.max, size);
  }
  for (const child of Object.values(value)) largestPayload(child, seen);
  return seen.max;
}

/** Every run of the workflow from `firstRunId` (default: the first run of the chain the id names now). */
export async function historyStats(client, workflowId, firstRunId) {
  const runs = [];
  let runId =
    firstRunId ??
    (await client.workflow.getHandle(workflowId).describe()).raw.workflowExecutionInfo?.firstRunId ??
    undefined;
  while (runId) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    const started = new Map();
    let longestTaskMs = 0;
    let workflowTasks = 0;
    let largest = 0;
    let next;
    let firstScheduled;
    let lastScheduled;
    let continuedAt;
    for (const event of events) {
      if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
        firstScheduled ??= millis(event.eventTime);
        lastScheduled = millis(event.eventTime);
      }
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)
        started.set(Number(event.eventId), millis(event.eventTime));
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) {
        workflowTasks++;
        const from = started.get(Number(event.workflowTaskCompletedEventAttributes?.startedEventId));
        if (from !== undefined) longestTaskMs = Math.max(longestTaskMs, millis(event.eventTime) - from);
      }
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW) {
        next = event.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
        continuedAt = millis(event.eventTime);
      }
      largest = Math.max(largest, largestPayload(event));
    }
    runs.push({
      runId,
      events: events.length,
      bytes: History.encode(history).finish().length,
      largestPayload: largest,
      longestTaskMs,
      workflowTasks,
      startingMs: firstScheduled === undefined || !events[0] ? 0 : firstScheduled - millis(events[0].eventTime),
      drainingMs: continuedAt === undefined || lastScheduled === undefined ? 0 : continuedAt - lastScheduled,
    });
    runId = next;
  }
  return runs;
}
