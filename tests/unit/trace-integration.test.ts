/**
 * The trace tells a conflict from a merge when the merge's result is plain JSON in the history,
 * and says no more than the event does when it is offloaded or encrypted.
 */
import { describe, expect, it } from 'vitest';
import type { History } from '@temporalio/common/lib/proto-utils.js';
import { traceEvents } from '../../src/report/trace.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const at = (seconds: number) => ({ seconds, nanos: 0 });

function historyOf(results: { id: string; encoding: string; data: string }[]): History {
  const events: NonNullable<History['events']> = [];
  let eventId = 1;
  for (const [i, r] of results.entries()) {
    const scheduledId = eventId++;
    events.push({
      eventId: scheduledId,
      eventTime: at(i * 2),
      activityTaskScheduledEventAttributes: { activityId: `integrate-${r.id}`, activityType: { name: 'integrate' } },
    } as never);
    events.push({
      eventId: eventId++,
      eventTime: at(i * 2 + 1),
      activityTaskCompletedEventAttributes: {
        scheduledEventId: scheduledId,
        result: { payloads: [{ metadata: { encoding: bytes(r.encoding) }, data: bytes(r.data) }] },
      },
    } as never);
  }
  return { events };
}

describe('trace of the merge queue', () => {
  it('says integrated, conflicted (with the files) or already integrated from a plain JSON result', () => {
    const events = traceEvents(
      'run',
      historyOf([
        { id: 'a', encoding: 'json/plain', data: JSON.stringify({ kind: 'merged', head: 'abc' }) },
        {
          id: 'b',
          encoding: 'json/plain',
          data: JSON.stringify({ kind: 'conflicted', head: 'abc', files: ['x.txt', 'y.txt'] }),
        },
        { id: 'c', encoding: 'json/plain', data: JSON.stringify({ kind: 'already-integrated', head: 'abc' }) },
      ]),
    );
    expect(events.map((e) => [e.task, e.kind, e.detail])).toEqual([
      ['a', 'integrated', undefined],
      ['b', 'conflicted', 'x.txt, y.txt'],
      ['c', 'integrated', 'already integrated'],
    ]);
  });

  it('says only "integrate done" for a result it cannot read (encrypted, offloaded, not JSON)', () => {
    const events = traceEvents(
      'run',
      historyOf([
        { id: 'a', encoding: 'binary/encrypted', data: 'opaque' },
        { id: 'b', encoding: 'json/plain', data: '{not json' },
      ]),
    );
    expect(events.map((e) => e.kind)).toEqual(['integrate done', 'integrate done']);
  });
});

describe('trace of a recorded git board with a conflict', () => {
  it('names the task of each git step and says which merge conflicted', async () => {
    const { historyFromJSON } = await import('@temporalio/common/lib/proto-utils.js');
    const { readFile } = await import('node:fs/promises');
    const recorded = JSON.parse(
      await readFile(new URL('../fixtures/histories/git-conflict.json', import.meta.url), 'utf8'),
    ) as { runs: { runId: string; history: unknown }[] };
    const run = recorded.runs[0]!;
    const events = traceEvents(run.runId, historyFromJSON(run.history));
    const merges = events.filter((e) => e.step === 'integrate');
    expect(merges.map((e) => e.kind)).toContain('conflicted');
    expect(merges.find((e) => e.kind === 'conflicted')).toMatchObject({ detail: 'shared.txt' });
    // Git steps are named by their task, not by a sequence number.
    expect(events.filter((e) => e.step !== undefined).map((e) => `${e.step} ${e.task ?? '(board)'}`)).toEqual([
      'initIntegration (board)',
      'prepareWorktree left',
      'prepareWorktree right',
      'commitWork left',
      'commitWork right',
      'integrate left',
      'integrate right',
      'releaseWorktree right',
      'releaseWorktree left',
      'prepareWorktree after-left',
      'commitWork after-left',
      'integrate after-left',
      'releaseWorktree after-left',
    ]);
  });
});
