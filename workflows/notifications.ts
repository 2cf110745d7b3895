/**
 * The board's webhooks (`notify:`), workflow side: each notification is one `notify` activity per
 * webhook that asked for its event, started and not awaited, so no task ever waits for a receiver.
 * How they fared is kept on the board (status `notifications`); a delivery that failed for good is
 * recorded there, never fatal. Only the board's very end waits for the last ones, within the
 * activity's own two minutes: an activity cannot outlive the run that scheduled it.
 */
import { ActivityFailure, workflowInfo } from '@temporalio/workflow';
import type { WebhookSpec } from '../src/core/board.js';
import type { NotificationBody } from '../src/core/notification.js';
import type { NotificationRecord } from '../src/core/run-state.js';
import { notifyActivities } from './activity-options.js';

/** Failures the status keeps, newest last. */
const KEPT_FAILURES = 10;

export class Notifier {
  private inFlight = 0;
  private sent = 0;
  private record: NotificationRecord | undefined;

  constructor(
    private readonly hooks: () => readonly WebhookSpec[] | undefined,
    private readonly wake: () => void,
    carried?: NotificationRecord,
  ) {
    this.record = carried;
  }

  /** Nothing is being delivered: the run may end or continue as new. */
  get idle(): boolean {
    return this.inFlight === 0;
  }

  get status(): NotificationRecord | undefined {
    return this.record;
  }

  /** Posts `body` to every webhook that hears its event; returns at once. */
  send(body: NotificationBody): void {
    (this.hooks() ?? []).forEach((hook, webhook) => {
      if (!hook.events.includes(body.event)) return;
      const n = ++this.sent;
      this.inFlight++;
      const { workflowId, runId } = workflowInfo();
      void notifyActivities({ activityId: `notify-${n}`, summary: `${body.event} -> notify[${webhook}]` })
        .notify({
          webhook,
          url: hook.url,
          ...(hook.secret ? { secret: hook.secret } : {}),
          delivery: `${workflowId}/${runId}/${n}`,
          body,
        })
        .then(
          () => this.tally({ delivered: 1 }),
          (error: unknown) =>
            this.tally({ failure: { at: Date.now(), event: body.event, webhook, error: reason(error) } }),
        )
        .finally(() => {
          this.inFlight--;
          this.wake();
        });
    });
  }

  private tally(outcome: { delivered?: number; failure?: NonNullable<NotificationRecord['failures']>[number] }): void {
    const now = this.record ?? { delivered: 0, failed: 0 };
    const failures = outcome.failure ? [...(now.failures ?? []), outcome.failure].slice(-KEPT_FAILURES) : now.failures;
    this.record = {
      delivered: now.delivered + (outcome.delivered ?? 0),
      failed: now.failed + (outcome.failure ? 1 : 0),
      ...(failures?.length ? { failures } : {}),
    };
  }
}

/** What failed the delivery for good: the activity's own message, not the SDK's wrapper. */
function reason(error: unknown): string {
  const cause = error instanceof ActivityFailure && error.cause ? error.cause : error;
  const message = cause instanceof Error ? cause.message : String(cause);
  return message.length > 300 ? `${message.slice(0, 299)}…` : message;
}
