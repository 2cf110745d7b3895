import { ActivityFailure, RetryState, TimeoutFailure } from '@temporalio/common';
import { describe, expect, it, vi } from 'vitest';
import { AttemptFacts, carriedFacts } from '../../activities/attempt-facts.js';
import { makeTask } from '../support/boards.js';
import { MAX_RUNS } from '../../src/core/outcome.js';
import { failureOutcome } from '../../workflows/failures.js';

const task = makeTask({ id: 't', command: 'true', retry: { maxAttempts: 2 } });

/** Records heartbeats as the activity context would send them. */
function recorder() {
  const beats: unknown[] = [];
  return { beats, heartbeat: (details?: unknown) => void beats.push(details) };
}

describe('what one attempt hands the next through its heartbeat details', () => {
  it('a first attempt lists itself when it begins and hands on its usage and end when it fails', () => {
    const ctx = recorder();
    const facts = new AttemptFacts({ attempt: 1, heartbeatDetails: undefined }, '7@host-a#abc', '/a/attempt-1.log', 10);
    expect(facts.earlier).toEqual({});
    facts.begin(ctx, 20);
    expect(ctx.beats).toEqual([
      {
        phase: 'start',
        facts: { runs: [{ attempt: 1, host: '7@host-a#abc', log: '/a/attempt-1.log', startedAt: 20 }] },
      },
    ]);

    facts.recordUsage({ inputTokens: 100, outputTokens: 10 });
    facts.handOn(ctx);
    const last = ctx.beats.at(-1) as { phase: string; facts: unknown };
    expect(last.phase).toBe('ended');
    expect(carriedFacts(last)).toEqual({
      usage: { inputTokens: 100, outputTokens: 10 },
      runs: [
        {
          attempt: 1,
          host: '7@host-a#abc',
          log: '/a/attempt-1.log',
          startedAt: 20,
          endedAt: expect.any(Number) as number,
          usage: { inputTokens: 100, outputTokens: 10 },
        },
      ],
    });
  });

  it('a short attempt sends no heartbeat at all; a longer one is listed once it has run a moment', async () => {
    const ctx = recorder();
    const quick = new AttemptFacts({ attempt: 1, heartbeatDetails: undefined }, 'h', '/l', 10);
    quick.begin(ctx, 20, 50);
    quick.end();
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(ctx.beats).toEqual([]);

    const slow = new AttemptFacts({ attempt: 1, heartbeatDetails: undefined }, 'h', '/l', 10);
    slow.begin(ctx, 20, 50);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(ctx.beats).toEqual([
      { phase: 'start', facts: { runs: [{ attempt: 1, host: 'h', log: '/l', startedAt: 20 }] } },
    ]);
    slow.end();
  });

  it('says how long the server went without word from it, a heartbeat that went out too late included', () => {
    vi.useFakeTimers({ now: 1_000 });
    try {
      const live = new AttemptFacts({ attempt: 1, heartbeatDetails: undefined }, 'h', '/l');
      live.begin(recorder(), Date.now(), 500);
      vi.advanceTimersByTime(400);
      expect(live.silenceMs()).toBe(400);
      vi.advanceTimersByTime(300);
      // Its first heartbeat went out at 500 ms: the longest silence so far.
      expect(live.silenceMs()).toBe(500);
      live.end();

      // A worker paused for 5 s fires the due heartbeat only when it runs again: too late to count.
      const paused = new AttemptFacts({ attempt: 1, heartbeatDetails: undefined }, 'h', '/l');
      paused.begin(recorder(), Date.now(), 500);
      vi.setSystemTime(Date.now() + 5_000);
      vi.advanceTimersByTime(500);
      expect(paused.silenceMs()).toBeGreaterThanOrEqual(5_000);
      paused.end();
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps heartbeating while it gets ready, however long that takes, and stops once its agent starts', () => {
    vi.useFakeTimers({ now: 1_000 });
    try {
      const ctx = recorder();
      const facts = new AttemptFacts({ attempt: 2, heartbeatDetails: undefined }, 'h', '/l');
      // Heartbeat timeout 3 s: first beat at 750 ms, then one a second while a slow reset or prompt runs.
      facts.begin(ctx, Date.now(), 750, 1_000);
      vi.advanceTimersByTime(4_800);
      expect(ctx.beats).toHaveLength(5);
      // The server never went more than a second without word: a live attempt is not given up on.
      expect(facts.silenceMs()).toBeLessThanOrEqual(1_000);
      facts.ready();
      vi.advanceTimersByTime(10_000);
      expect(ctx.beats).toHaveLength(5);

      // Ready before its first beat (a quick step): none at all, as before.
      const quick = recorder();
      const short = new AttemptFacts({ attempt: 1, heartbeatDetails: undefined }, 'h', '/l');
      short.begin(quick, Date.now(), 750, 1_000);
      vi.advanceTimersByTime(500);
      short.ready();
      vi.advanceTimersByTime(5_000);
      expect(quick.beats).toEqual([]);
      short.end();
    } finally {
      vi.useRealTimers();
    }
  });

  it('a retry on another host starts from what the last heartbeat said and adds its own', () => {
    const handedOn = {
      phase: 'ended',
      facts: {
        usage: { inputTokens: 100, outputTokens: 10, costUsd: 0.5 },
        runs: [{ attempt: 1, host: 'a', log: '/a/1.log' }],
      },
    };
    const facts = new AttemptFacts({ attempt: 2, heartbeatDetails: handedOn }, 'b', '/b/2.log');
    expect(facts.earlier.usage).toEqual({ inputTokens: 100, outputTokens: 10, costUsd: 0.5 });
    facts.recordUsage({ inputTokens: 1, outputTokens: 1, costUsd: 0.25 });
    const { usage, runs } = facts.outcome();
    expect(usage).toEqual({ inputTokens: 101, outputTokens: 11, costUsd: 0.75 });
    expect(runs?.map((r) => [r.attempt, r.host, r.log])).toEqual([
      [1, 'a', '/a/1.log'],
      [2, 'b', '/b/2.log'],
    ]);
    // An attempt refused before it runs reports the earlier attempts alone.
    expect(facts.earlierOutcome()).toEqual({ usage: handedOn.facts.usage, runs: handedOn.facts.runs });
  });

  it('an attempt whose worker died before it reported usage counts as none, but is still listed', () => {
    const died = {
      phase: 'agent',
      outputBytes: 10,
      facts: {
        usage: { inputTokens: 5, outputTokens: 5 },
        runs: [
          { attempt: 1, host: 'a', log: '/1' },
          { attempt: 2, host: 'b', log: '/2', startedAt: 1 },
        ],
      },
    };
    const facts = new AttemptFacts({ attempt: 3, heartbeatDetails: died }, 'c', '/3');
    expect(facts.usage).toEqual({ inputTokens: 5, outputTokens: 5 });
    expect(facts.carried().runs?.map((r) => r.host)).toEqual(['a', 'b', 'c']);
  });

  it('ignores details that carry no facts or malformed ones, and keeps the runs bounded', () => {
    expect(carriedFacts(undefined)).toEqual({});
    expect(carriedFacts({ phase: 'agent', outputBytes: 3 })).toEqual({});
    expect(carriedFacts({ facts: { usage: { inputTokens: 'many' }, runs: [{ attempt: 1 }, 'x'] } })).toEqual({});
    const runs = Array.from({ length: 15 }, (_, i) => ({ attempt: i + 1, host: 'h', log: `/${i + 1}` }));
    expect(carriedFacts({ facts: { runs } }).runs).toHaveLength(MAX_RUNS);
    const facts = new AttemptFacts({ attempt: 16, heartbeatDetails: { facts: { runs } } }, 'h', '/16');
    expect(facts.carried().runs).toHaveLength(MAX_RUNS);
    expect(facts.carried().runs?.at(-1)?.attempt).toBe(16);
  });
});

describe('a task whose last attempt timed out', () => {
  it('takes its usage, runs and log from the last heartbeat the timeout carries', () => {
    const beat = {
      phase: 'agent',
      facts: {
        usage: { inputTokens: 7, outputTokens: 3 },
        runs: [
          { attempt: 1, host: 'a', log: '/a/1.log' },
          { attempt: 2, host: 'b', log: '/b/2.log' },
        ],
      },
    };
    const error = new ActivityFailure(
      'activity timed out',
      'runTask',
      'task-t',
      RetryState.MAXIMUM_ATTEMPTS_REACHED,
      'w',
      new TimeoutFailure(undefined, beat, 'HEARTBEAT'),
    );
    expect(failureOutcome(error, task, undefined)).toEqual({
      attempts: 2,
      usage: beat.facts.usage,
      runs: beat.facts.runs,
      logPath: '/b/2.log',
      reason: 'timed out (HEARTBEAT, limit 10000ms)',
    });
    // Heartbeats from before the facts were carried leave the outcome as it was.
    const old = new ActivityFailure(
      'activity timed out',
      'runTask',
      'task-t',
      RetryState.MAXIMUM_ATTEMPTS_REACHED,
      'w',
      new TimeoutFailure(undefined, { phase: 'agent' }, 'HEARTBEAT'),
    );
    expect(failureOutcome(old, task, undefined)).toEqual({
      attempts: 2,
      reason: 'timed out (HEARTBEAT, limit 10000ms)',
    });
  });
});
