/**
 * The replay corpus covers every way a running board can be driven through the workflow: each
 * update and signal of the contract (workflows/api.ts) was received, each activity type the
 * worker registers (activities/index.ts) was scheduled, every fan-in kind ran, and each routing
 * of a step happened (a capability queue, a worker's own queue, a step whose worker never started
 * it), in at least one recorded history. A new update, signal, activity or aggregate kind fails
 * here until a scenario in tests/support/history-scenarios.ts records it.
 *
 * Queries are listed but exempt: Temporal never writes a query into a history, so replay cannot
 * check one (and a query cannot make a board non-deterministic).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { AGGREGATE_KINDS } from '../../src/core/board.js';
import * as api from '../../workflows/api.js';
import { CORPUS_DIR } from '../support/history-corpus.js';

interface Definition {
  type: 'query' | 'signal' | 'update';
  name: string;
}

/** The contract's handlers, found by what they are, so a new one needs no list kept by hand. */
const definitions: Definition[] = (Object.values(api) as unknown[]).filter(
  (value): value is Definition =>
    typeof value === 'object' &&
    value !== null &&
    ['query', 'signal', 'update'].includes((value as Partial<Definition>).type ?? '') &&
    typeof (value as Partial<Definition>).name === 'string',
);
const named = (type: Definition['type']) =>
  definitions
    .filter((d) => d.type === type)
    .map((d) => d.name)
    .sort();

const ACTIVITY_TYPES = Object.keys(createActivities({ home: '/nonexistent' })).sort();

/** Where a step was sent, relative to the board's own queue (src/core/capabilities.ts names them). */
type Routing = 'board queue' | 'capability queue' | "a worker's own queue";
const ROUTINGS: Routing[] = ['board queue', 'capability queue', "a worker's own queue"];

function routing(queue: string, boardQueue: string): Routing | 'elsewhere' {
  if (queue === boardQueue) return 'board queue';
  if (queue.startsWith(`${boardQueue}/worker/`)) return "a worker's own queue";
  if (queue.startsWith(`${boardQueue}@`)) return 'capability queue';
  return 'elsewhere';
}

interface Event {
  eventType: string;
  [attributes: string]: unknown;
}

interface Seen {
  updates: Map<string, string>;
  signals: Map<string, string>;
  activities: Map<string, string>;
  routings: Map<string, string>;
  aggregates: Map<string, string>;
  lostSteps: string[];
  continuedAsNew: string[];
}

interface Payload {
  metadata?: { encoding?: string };
  data?: string;
}

/** JSON payloads as Temporal's JSON converter writes them (base64 encoding and data). */
function decoded(payload: Payload | undefined): unknown {
  const encoding = Buffer.from(payload?.metadata?.encoding ?? '', 'base64').toString();
  if (encoding !== 'json/plain' || payload?.data === undefined) return undefined;
  return JSON.parse(Buffer.from(payload.data, 'base64').toString()) as unknown;
}

function attributes<T>(event: Event, key: string): T {
  return (event[key] ?? {}) as T;
}

/** Every run's events of every file, old single-history files included. */
function corpusRuns(): { scenario: string; events: Event[] }[] {
  return fs
    .readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.json'))
    .flatMap((file) => {
      const parsed = JSON.parse(fs.readFileSync(path.join(CORPUS_DIR, file), 'utf8')) as {
        events?: Event[];
        runs?: { history: { events: Event[] } }[];
      };
      const scenario = file.slice(0, -'.json'.length);
      return parsed.events
        ? [{ scenario, events: parsed.events }]
        : (parsed.runs ?? []).map((run) => ({ scenario, events: run.history.events }));
    });
}

function whatTheCorpusHolds(): Seen {
  const seen: Seen = {
    updates: new Map(),
    signals: new Map(),
    activities: new Map(),
    routings: new Map(),
    aggregates: new Map(),
    lostSteps: [],
    continuedAsNew: [],
  };
  const note = (map: Map<string, string>, key: string, scenario: string) =>
    void (map.has(key) || map.set(key, scenario));
  for (const { scenario, events } of corpusRuns()) {
    let boardQueue = '';
    for (const event of events) {
      switch (event.eventType) {
        case 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED':
          boardQueue =
            attributes<{ taskQueue?: { name?: string } }>(event, 'workflowExecutionStartedEventAttributes').taskQueue
              ?.name ?? '';
          break;
        case 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED':
          note(
            seen.updates,
            attributes<{ acceptedRequest?: { input?: { name?: string } } }>(
              event,
              'workflowExecutionUpdateAcceptedEventAttributes',
            ).acceptedRequest?.input?.name ?? '',
            scenario,
          );
          break;
        case 'EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED':
          note(
            seen.signals,
            attributes<{ signalName?: string }>(event, 'workflowExecutionSignaledEventAttributes').signalName ?? '',
            scenario,
          );
          break;
        case 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED': {
          const scheduled = attributes<{
            activityType?: { name?: string };
            taskQueue?: { name?: string };
            input?: { payloads?: Payload[] };
          }>(event, 'activityTaskScheduledEventAttributes');
          const type = scheduled.activityType?.name ?? '';
          note(seen.activities, type, scenario);
          note(seen.routings, routing(scheduled.taskQueue?.name ?? '', boardQueue), scenario);
          // A reduce command is the one fan-in that runs as an activity; the others show in the result.
          if (type === 'runTask' && (decoded(scheduled.input?.payloads?.[0]) as { reduce?: boolean })?.reduce)
            note(seen.aggregates, 'reduce', scenario);
          break;
        }
        case 'EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT': {
          const failure = attributes<{ failure?: { timeoutFailureInfo?: { timeoutType?: string } } }>(
            event,
            'activityTaskTimedOutEventAttributes',
          ).failure;
          if (failure?.timeoutFailureInfo?.timeoutType === 'TIMEOUT_TYPE_SCHEDULE_TO_START')
            seen.lostSteps.push(scenario);
          break;
        }
        case 'EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW':
          seen.continuedAsNew.push(scenario);
          break;
        case 'EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED': {
          const result = decoded(
            attributes<{ result?: { payloads?: Payload[] } }>(event, 'workflowExecutionCompletedEventAttributes').result
              ?.payloads?.[0],
          ) as { tasks?: { aggregation?: { kind?: string } }[] } | undefined;
          for (const task of result?.tasks ?? [])
            if (task.aggregation?.kind) note(seen.aggregates, task.aggregation.kind, scenario);
          break;
        }
      }
    }
  }
  return seen;
}

const seen = whatTheCorpusHolds();
const missing = (wanted: readonly string[], have: Map<string, string>) => wanted.filter((name) => !have.has(name));
const RECORD_HINT =
  'add a scenario to tests/support/history-scenarios.ts and record it (TODONE_RECORD_HISTORIES=<name>)';

describe('the replay corpus covers every path of the contract', () => {
  it('finds the contract’s handlers and the worker’s activities to check (the lists are derived, not kept)', () => {
    expect(named('update')).toContain('addTasks');
    expect(named('signal')).toContain('cancelBoard');
    expect(named('query')).toContain('status');
    expect(ACTIVITY_TYPES).toContain('runTask');
  });

  it('has every update received in some recorded history', () => {
    expect(missing(named('update'), seen.updates), `updates with no recorded history: ${RECORD_HINT}`).toEqual([]);
  });

  it('has every signal received in some recorded history', () => {
    expect(missing(named('signal'), seen.signals), `signals with no recorded history: ${RECORD_HINT}`).toEqual([]);
  });

  it('has every activity type scheduled in some recorded history', () => {
    expect(missing(ACTIVITY_TYPES, seen.activities), `activities never scheduled: ${RECORD_HINT}`).toEqual([]);
  });

  it('has every fan-in kind (aggregate) run in some recorded history', () => {
    expect(missing(AGGREGATE_KINDS, seen.aggregates), `aggregate kinds never run: ${RECORD_HINT}`).toEqual([]);
  });

  it('has steps sent to each queue a step can go to, and a step whose worker never took it', () => {
    expect(missing(ROUTINGS, seen.routings), `routings never taken: ${RECORD_HINT}`).toEqual([]);
    expect(seen.routings.has('elsewhere'), 'a step went to a queue the board does not name').toBe(false);
    expect(seen.lostSteps, 'a step timed out waiting for a worker (a lost worker)').not.toEqual([]);
    expect(seen.continuedAsNew, 'a board continued as new').not.toEqual([]);
  });
});
