/** Which workers count as dead, and which pending attempts a failover may touch. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { attemptsOfDeadWorkers, sameAttempt, type PendingAttempt } from '../../worker/failover.js';
import { processStartTime } from '../../src/util/processes.js';
import { isDeadWorker, workerIdentity, type WorkerRecord } from '../../worker/worker-registry.js';

const STARTED = 2;
const SCHEDULED = 1;

async function exitedPid(): Promise<number> {
  const child = spawn('true');
  await once(child, 'exit');
  return child.pid!;
}

function record(identity: string, fields: Partial<WorkerRecord>): WorkerRecord {
  return {
    identity,
    hostname: os.hostname(),
    pid: process.pid,
    startTime: processStartTime(process.pid),
    startedAt: new Date().toISOString(),
    ...fields,
  };
}

describe('isDeadWorker', () => {
  it('takes a worker of this host whose process is gone for dead', async () => {
    expect(isDeadWorker(record('1@here#a', { pid: await exitedPid() }))).toBe(true);
  });

  it('takes a reused pid (same pid, another start time) for dead', () => {
    expect(isDeadWorker(record('1@here#b', { startTime: (processStartTime(process.pid) ?? 0) + 1 }))).toBe(true);
  });

  it('leaves a live process, another host, and this very process alone', async () => {
    expect(isDeadWorker(record('1@here#c', {}))).toBe(false);
    expect(isDeadWorker(record('1@there#d', { hostname: `${os.hostname()}-elsewhere`, pid: await exitedPid() }))).toBe(
      false,
    );
    expect(isDeadWorker(record(workerIdentity(), { pid: await exitedPid() }))).toBe(false);
  });

  it('gives a running pid the benefit of the doubt when no start time was recorded', () => {
    const { startTime: _unknown, ...withoutStart } = record('1@here#e', {});
    expect(isDeadWorker(withoutStart)).toBe(false);
  });
});

describe('attemptsOfDeadWorkers', () => {
  it('picks only started attempts whose last worker has a record that says it is dead', () => {
    const pending: PendingAttempt[] = [
      { activityId: 'task-dead', state: STARTED, attempt: 1, lastWorkerIdentity: 'dead' },
      { activityId: 'task-dead-but-waiting', state: SCHEDULED, attempt: 2, lastWorkerIdentity: 'dead' },
      { activityId: 'task-live', state: STARTED, attempt: 1, lastWorkerIdentity: 'live' },
      { activityId: 'task-unknown', state: STARTED, attempt: 1, lastWorkerIdentity: 'unknown' },
      { activityId: 'task-nobody', state: STARTED, attempt: 1, lastWorkerIdentity: '' },
    ];
    const records = new Map<string, WorkerRecord | undefined>([
      ['dead', record('dead', {})],
      ['live', record('live', {})],
      ['unknown', undefined],
    ]);
    const picked = attemptsOfDeadWorkers(pending, records, (r) => r.identity === 'dead');
    expect(picked.map((p) => p.activityId)).toEqual(['task-dead']);
  });

  it('does not trust a record filed under another identity', () => {
    const pending: PendingAttempt[] = [{ activityId: 'task-x', state: STARTED, attempt: 1, lastWorkerIdentity: 'a' }];
    expect(attemptsOfDeadWorkers(pending, new Map([['a', record('b', {})]]), () => true)).toEqual([]);
  });
});

describe('sameAttempt', () => {
  const seen: PendingAttempt = { activityId: 'task-a', state: STARTED, attempt: 2, lastWorkerIdentity: 'dead#1' };

  it('is the attempt failover saw only with the same number, still started, on the same worker', () => {
    expect(sameAttempt({ ...seen }, seen)).toBe(true);
    // Timed out and retried meanwhile: failing by id would fail the retry.
    expect(sameAttempt({ ...seen, attempt: 3, lastWorkerIdentity: 'live#2' }, seen)).toBe(false);
    expect(sameAttempt({ ...seen, attempt: 3, state: SCHEDULED, lastWorkerIdentity: '' }, seen)).toBe(false);
    expect(sameAttempt({ ...seen, lastWorkerIdentity: 'live#2' }, seen)).toBe(false);
    expect(sameAttempt(undefined, seen)).toBe(false);
  });
});
