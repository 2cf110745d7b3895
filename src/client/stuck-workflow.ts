/**
 * A board whose workflow tasks keep failing makes no progress and Temporal retries it forever:
 * from outside it looks like a board that is merely slow. The server's description counts the
 * attempts of the pending workflow task; the history says why the last one failed. This turns
 * both into a sentence a person can act on.
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import proto from '@temporalio/proto';

export interface StuckWorkflow {
  /** How many times the current workflow task has been tried. */
  attempt: number;
  /** Temporal's cause, e.g. WORKFLOW_TASK_FAILED_CAUSE_PAYLOADS_TOO_LARGE. */
  cause?: string;
  /** The failure's own message (the workflow code's error, the server's reason). */
  message?: string;
  /** What to do about it. */
  advice: string;
}

/** Failing this often is no passing hiccup (a worker restart or a deploy costs one or two). */
const STUCK_AFTER_ATTEMPTS = 3;

const { EventType, WorkflowTaskFailedCause } = proto.temporal.api.enums.v1;

export async function stuckWorkflow(
  client: Client,
  description: WorkflowExecutionDescription,
): Promise<StuckWorkflow | undefined> {
  const attempt = description.raw.pendingWorkflowTask?.attempt ?? 0;
  if (description.status.name !== 'RUNNING' || attempt < STUCK_AFTER_ATTEMPTS) return undefined;
  const failure = await lastWorkflowTaskFailure(client, description).catch(() => undefined);
  return { attempt, ...failure, advice: adviceFor(failure?.cause) };
}

/**
 * Sooner than stuckWorkflow, and surer: the pending workflow task has been tried again after its
 * code failed (not after a worker vanished holding it: a new worker would take that one). The
 * workflow cannot read a signal then, and a cancellation must be carried out from outside.
 */
export async function failingWorkflow(
  client: Client,
  description: WorkflowExecutionDescription,
): Promise<StuckWorkflow | undefined> {
  const attempt = description.raw.pendingWorkflowTask?.attempt ?? 0;
  if (description.status.name !== 'RUNNING' || attempt < 2) return undefined;
  const failure = await lastWorkflowTaskFailure(client, description).catch(() => undefined);
  if (!failure) return undefined;
  return { attempt, ...failure, advice: adviceFor(failure.cause) };
}

async function lastWorkflowTaskFailure(
  client: Client,
  description: WorkflowExecutionDescription,
): Promise<{ cause?: string; message?: string } | undefined> {
  const response = await client.workflowService.getWorkflowExecutionHistoryReverse({
    namespace: client.options.namespace,
    execution: { workflowId: description.workflowId, runId: description.runId },
    maximumPageSize: 100,
  });
  // The newest failure since the last workflow task that completed: an older one was got over.
  const event = response.history?.events?.find(
    (e) =>
      e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED ||
      e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  );
  const attributes = event?.workflowTaskFailedEventAttributes;
  if (!attributes) return undefined;
  const cause =
    attributes.cause !== undefined && attributes.cause !== null ? WorkflowTaskFailedCause[attributes.cause] : undefined;
  const message = attributes.failure?.message ?? undefined;
  return { ...(cause ? { cause } : {}), ...(message ? { message: message.split('\n')[0]!.slice(0, 500) } : {}) };
}

function adviceFor(cause: string | undefined): string {
  switch (cause) {
    case 'WORKFLOW_TASK_FAILED_CAUSE_PAYLOADS_TOO_LARGE':
    case 'WORKFLOW_TASK_FAILED_CAUSE_GRPC_MESSAGE_TOO_LARGE':
      return "a payload is over the server's size limit: set TODONE_PAYLOAD_STORE (s3://bucket, or file:/folder shared by every worker) so large payloads go to External Storage, then restart the workers";
    case 'WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR':
      return "the workers run workflow code that cannot replay this board's history (an incompatible upgrade): run the Todone version that started it until the board finishes, or cancel the board and run it again";
    default:
      return "the board makes no progress until this is fixed: check the workers' log (todone.log in the data folder), or end it with todone cancel <board> (its workflow cannot stop its tasks itself, so it is terminated) and run it again";
  }
}

/** "The board's workflow keeps failing (attempt 7, PAYLOADS_TOO_LARGE: ...): advice." */
export function describeStuck(stuck: StuckWorkflow): string {
  const cause = stuck.cause?.replace(/^WORKFLOW_TASK_FAILED_CAUSE_/, '');
  const why = [cause, stuck.message].filter(Boolean).join(': ');
  return `The board's workflow keeps failing (attempt ${stuck.attempt}${why ? `, ${why}` : ''}). What to do: ${stuck.advice}.`;
}
