/**
 * A board's recorded history read as board events: tasks started, finished, failed, retried,
 * steering updates, signals, continue-as-new. Skips are decided inside the workflow and leave no
 * event of their own: a skipped task is one that never starts. Reads only event types, activity ids, attempts,
 * names and timestamps, which are never payloads, so offloaded or encrypted payloads do not matter.
 * One exception, best effort: a git step's input (its task) and a merge's result (a conflict or
 * a merge) are read when they are plain JSON in the history; offloaded or encrypted, a git step is
 * named by its activity id and a merge says only "integrate done".
 */
import type { History } from '@temporalio/common/lib/proto-utils.js';

export interface TraceEvent {
  /** Epoch ms. */
  at: number;
  runId: string;
  kind: string;
  /** The task, for task events (activity id `task-<id>`). */
  task?: string;
  /** The activity step for git boards (prepareWorktree, commitWork, integrate, ...). */
  step?: string;
  attempt?: number;
  detail?: string;
}

type Event = NonNullable<History['events']>[number];

function ms(event: Event): number {
  const t = event.eventTime;
  if (!t) return 0;
  return Number(t.seconds?.toString() ?? 0) * 1_000 + Math.floor((t.nanos ?? 0) / 1e6);
}

export function traceEvents(runId: string, history: History): TraceEvent[] {
  const scheduled = new Map<string, { activityId: string; type: string }>();
  const attempts = new Map<string, number>();
  const out: TraceEvent[] = [];
  const push = (event: Event, e: Omit<TraceEvent, 'at' | 'runId'>) => out.push({ at: ms(event), runId, ...e });
  const activity = (scheduledId: unknown) => scheduled.get(String(scheduledId));
  const subject = (a: { activityId: string; type: string }) => {
    // A board-wide step (initIntegration) has a bare sequence number for an id: it is no task's.
    if (/^\d+$/.test(a.activityId)) return { step: a.type };
    const task = a.activityId.match(/^task-(.+?)(?:-r\d+|-c\d+)*$/)?.[1] ?? a.activityId.replace(/^[A-Za-z]+-/, '');
    return a.type === 'runTask' ? { task } : { task, step: a.type };
  };
  for (const event of history.events ?? []) {
    const sched = event.activityTaskScheduledEventAttributes;
    if (sched) {
      const type = sched.activityType?.name ?? '';
      // Git steps carry no task in their activity id: their input names it.
      const input =
        type === 'runTask' ? undefined : (plainJson(sched.input?.payloads?.[0]) as { taskId?: unknown } | undefined);
      const a = {
        activityId: typeof input?.taskId === 'string' ? `${type}-${input.taskId}` : (sched.activityId ?? ''),
        type,
      };
      scheduled.set(String(event.eventId), a);
      // The server writes an attempt's started event only when the activity closes: scheduling is when the task started.
      if (a.type === 'runTask') push(event, { kind: 'task started', ...subject(a), attempt: 1 });
      continue;
    }
    const started = event.activityTaskStartedEventAttributes;
    if (started) {
      const a = activity(started.scheduledEventId);
      if (!a) continue;
      const attempt = started.attempt ?? 1;
      attempts.set(String(started.scheduledEventId), attempt);
      // Only the last attempt is recorded: earlier ones failed and were retried by the server.
      if (a.type === 'runTask' && attempt > 1)
        push(event, {
          kind: 'task retried',
          ...subject(a),
          attempt,
          detail: `${attempt - 1} earlier attempt${attempt > 2 ? 's' : ''} failed`,
        });
      continue;
    }
    const done = event.activityTaskCompletedEventAttributes;
    if (done) {
      const a = activity(done.scheduledEventId);
      if (!a) continue;
      const attempt = attempts.get(String(done.scheduledEventId)) ?? 1;
      if (a.type === 'integrate') push(event, { ...integration(done.result?.payloads?.[0]), ...subject(a), attempt });
      else push(event, { kind: a.type === 'runTask' ? 'task finished' : `${a.type} done`, ...subject(a), attempt });
      continue;
    }
    const failed = event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes;
    if (failed) {
      const a = activity(failed.scheduledEventId);
      const kind = event.activityTaskTimedOutEventAttributes ? 'timed out' : 'failed';
      if (a)
        push(event, {
          kind: a.type === 'runTask' ? `task ${kind}` : `${a.type} ${kind}`,
          ...subject(a),
          attempt: attempts.get(String(failed.scheduledEventId)) ?? 1,
          ...(failed.failure?.message ? { detail: failed.failure.message } : {}),
        });
      continue;
    }
    const cancelled = event.activityTaskCanceledEventAttributes;
    if (cancelled) {
      const a = activity(cancelled.scheduledEventId);
      if (a) push(event, { kind: a.type === 'runTask' ? 'task cancelled' : `${a.type} cancelled`, ...subject(a) });
      continue;
    }
    const accepted = event.workflowExecutionUpdateAcceptedEventAttributes;
    if (accepted) {
      push(event, { kind: 'update accepted', detail: accepted.acceptedRequest?.input?.name ?? '' });
      continue;
    }
    if (event.workflowExecutionUpdateCompletedEventAttributes) {
      const outcome = event.workflowExecutionUpdateCompletedEventAttributes.outcome;
      push(event, {
        kind: outcome?.failure ? 'update refused' : 'update applied',
        ...(outcome?.failure?.message ? { detail: outcome.failure.message } : {}),
      });
      continue;
    }
    const signal = event.workflowExecutionSignaledEventAttributes;
    if (signal) {
      push(event, { kind: 'signal', detail: signal.signalName ?? '' });
      continue;
    }
    if (event.workflowExecutionStartedEventAttributes) push(event, { kind: 'run started' });
    else if (event.workflowExecutionContinuedAsNewEventAttributes)
      push(event, {
        kind: 'continued as new',
        detail: event.workflowExecutionContinuedAsNewEventAttributes.newExecutionRunId ?? '',
      });
    else if (event.workflowExecutionCompletedEventAttributes) push(event, { kind: 'board completed' });
    else if (event.workflowExecutionFailedEventAttributes)
      push(event, {
        kind: 'board failed',
        detail: event.workflowExecutionFailedEventAttributes.failure?.message ?? '',
      });
    else if (event.workflowExecutionCanceledEventAttributes) push(event, { kind: 'board cancelled' });
    else if (event.workflowExecutionTerminatedEventAttributes)
      push(event, { kind: 'board terminated', detail: event.workflowExecutionTerminatedEventAttributes.reason ?? '' });
  }
  // Started events sit where the activity closed, with the time the attempt started: order by time.
  return out
    .map((e, i) => ({ e, i }))
    .sort((x, y) => x.e.at - y.e.at || x.i - y.i)
    .map(({ e }) => e);
}

type Payload = NonNullable<
  NonNullable<NonNullable<Event['activityTaskCompletedEventAttributes']>['result']>['payloads']
>[number];

/** What the merge queue did with a task, from its result when the history holds it as plain JSON. */
function integration(payload: Payload | undefined): { kind: string; detail?: string } {
  const result = plainJson(payload) as { kind?: unknown; files?: unknown } | undefined;
  if (result !== undefined) {
    if (result.kind === 'conflicted') {
      const files = Array.isArray(result.files) ? result.files.filter((f): f is string => typeof f === 'string') : [];
      return {
        kind: 'conflicted',
        ...(files.length > 0 ? { detail: `${files.slice(0, 5).join(', ')}${files.length > 5 ? ', …' : ''}` } : {}),
      };
    }
    if (result.kind === 'merged') return { kind: 'integrated' };
    if (result.kind === 'already-integrated') return { kind: 'integrated', detail: 'already integrated' };
    if (result.kind === 'nothing-to-merge') return { kind: 'integrated', detail: 'nothing to merge' };
  }
  return { kind: 'integrate done' };
}

/** A payload's value when the history holds it as plain JSON (not offloaded, not encrypted); else undefined. */
function plainJson(payload: Payload | undefined): Record<string, unknown> | undefined {
  const encoding = payload?.metadata?.encoding;
  if (!payload?.data || !encoding || new TextDecoder().decode(encoding) !== 'json/plain') return undefined;
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(payload.data));
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function traceText(events: readonly TraceEvent[]): string {
  const origin = events[0]?.at ?? 0;
  return events
    .map((e) => {
      const clock = new Date(e.at).toISOString().slice(11, 23);
      const offset = `+${((e.at - origin) / 1000).toFixed(3)}s`;
      const what = [
        e.kind,
        e.task,
        e.step ? `(${e.step})` : undefined,
        e.attempt && e.attempt > 1 ? `attempt ${e.attempt}` : undefined,
        e.detail ? `: ${e.detail}` : undefined,
      ]
        .filter(Boolean)
        .join(' ');
      return `${clock} ${offset.padStart(10)}  ${what}`;
    })
    .join('\n');
}
