/**
 * One activity of a workflow run as the server holds it right now: which attempt, in which state,
 * last taken by which worker. Failover asks before it fails an attempt, and an attempt asks before
 * it starts its agent, whether the server has moved on.
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';

export type PendingActivityInfo = proto.temporal.api.workflow.v1.IPendingActivityInfo;
export type PendingActivityState = proto.temporal.api.enums.v1.PendingActivityState;

export const {
  PENDING_ACTIVITY_STATE_UNSPECIFIED: PENDING_UNSPECIFIED,
  PENDING_ACTIVITY_STATE_SCHEDULED: PENDING_SCHEDULED,
  PENDING_ACTIVITY_STATE_STARTED: PENDING_STARTED,
} = proto.temporal.api.enums.v1.PendingActivityState;

/** The activity `activityId` of the run, or undefined when it is not pending (done, or failed for good). */
export async function pendingActivity(
  client: Client,
  execution: { workflowId: string; runId?: string },
  activityId: string,
): Promise<PendingActivityInfo | undefined> {
  const described = await client.workflow.getHandle(execution.workflowId, execution.runId).describe();
  return described.raw.pendingActivities?.find((activity) => activity.activityId === activityId);
}
