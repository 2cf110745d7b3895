/**
 * The decisions `todone run` makes when the server stops answering, with a fake server and clock:
 * when it says what, how long it waits, and that a watch survives a result long-poll that throws.
 */
import { ServiceError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import type { BoardSnapshot } from '../../src/client/board-client.js';
import type { BoardResult } from '../../src/core/run-state.js';
import { ServerLostError } from '../../src/errors.js';
import { isServerLoss } from '../../src/cli/server-errors.js';
import { watchBoard } from '../../src/cli/watch/board-watch.js';
import { clusterRecovery, embeddedRecovery, type ServerRecovery } from '../../src/cli/watch/server-recovery.js';

/** A gRPC error as @grpc/grpc-js makes it: code, details, metadata. */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}
const unavailable = () =>
  new ServiceError('Failed to get Workflow execution history', { cause: grpcError(14, 'No connection established') });

/** A server that answers from the given probe number on (0 = now). */
function fakeServer(backAtProbe: number) {
  let probes = 0;
  return {
    probe: () => Promise.resolve(probes++ >= backAtProbe),
    get probes() {
      return probes;
    },
  };
}

function fakeClock() {
  let now = 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: (ms: number) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
    sleeps,
  };
}

describe('isServerLoss', () => {
  it('is an UNAVAILABLE gRPC status anywhere in the cause chain, and nothing else', () => {
    expect(isServerLoss(unavailable())).toBe(true);
    expect(isServerLoss(new ServiceError('x', { cause: grpcError(3, 'bad') }))).toBe(false);
    expect(isServerLoss(new Error('boom'))).toBe(false);
  });
});

describe('cluster recovery', () => {
  it('does nothing and says nothing when the server answers', async () => {
    const said: string[] = [];
    const recovery = clusterRecovery({
      address: 'h:1',
      resumeHint: 'run it again',
      probe: fakeServer(0).probe,
      say: (l) => said.push(l),
    });
    expect(await recovery.recover()).toBe(false);
    expect(said).toEqual([]);
  });

  it('says once that it lost the server, backs off, and says when it is back', async () => {
    const said: string[] = [];
    const clock = fakeClock();
    const server = fakeServer(6);
    const recovery = clusterRecovery({
      address: 'h:1',
      resumeHint: 'x',
      probe: server.probe,
      say: (l) => said.push(l),
      ...clock,
      maxIntervalMs: 8_000,
    });
    expect(await recovery.recover()).toBe(true);
    expect(said).toHaveLength(2);
    expect(said[0]).toBe(
      'Lost the Temporal server at h:1; the board is safe; waiting for it to come back (up to 30m; Ctrl-C to stop watching).',
    );
    expect(said[1]).toBe('Reconnected to the Temporal server at h:1 after 31.0s.');
    expect(clock.sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
  });

  it('gives up after its bound with a message that says the board is safe and what to run', async () => {
    const clock = fakeClock();
    const recovery = clusterRecovery({
      address: 'h:1',
      resumeHint: 'run `todone run b.yaml` to pick it up again.',
      probe: () => Promise.resolve(false),
      say: () => undefined,
      maxWaitMs: 60_000,
      ...clock,
    });
    const error = await recovery.recover().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerLostError);
    expect((error as Error).message).toBe(
      'The Temporal server at h:1 has not answered for 1m; gave up waiting. The board is safe there: run `todone run b.yaml` to pick it up again.',
    );
    expect(clock.now()).toBe(60_000);
  });

  it('shares one recovery between concurrent callers', async () => {
    const said: string[] = [];
    const clock = fakeClock();
    const recovery = clusterRecovery({
      address: 'h:1',
      resumeHint: 'x',
      probe: fakeServer(3).probe,
      say: (l) => said.push(l),
      ...clock,
    });
    expect(await Promise.all([recovery.recover(), recovery.recover()])).toEqual([true, true]);
    expect(said.filter((l) => l.startsWith('Lost'))).toHaveLength(1);
  });
});

describe('embedded recovery', () => {
  it('restarts the server once and says so', async () => {
    const said: string[] = [];
    let restarts = 0;
    const recovery = embeddedRecovery({
      dbFile: '/d/dev.db',
      resumeHint: 'x',
      probe: fakeServer(1).probe,
      say: (l) => said.push(l),
      restart: () => Promise.resolve({ address: '127.0.0.1:7233', pid: 42 + restarts++ }),
    });
    expect(await recovery.recover()).toBe(true);
    expect(await recovery.recover()).toBe(false);
    expect(restarts).toBe(1);
    expect(said).toEqual([
      'Lost the Temporal dev server; restarting it (the board is safe in /d/dev.db).',
      'Temporal dev server back at 127.0.0.1:7233 (pid 42); carrying on.',
    ]);
  });

  it('turns a failed restart into a ServerLostError naming the database', async () => {
    const recovery = embeddedRecovery({
      dbFile: '/d/dev.db',
      resumeHint: 'run `todone run b.yaml` to pick it up again.',
      probe: () => Promise.resolve(false),
      say: () => undefined,
      restart: () => Promise.reject(new Error('port 7233 is in use')),
    });
    await expect(recovery.recover()).rejects.toThrow(
      'Could not restart the Temporal dev server: port 7233 is in use\nThe board is safe in /d/dev.db: run `todone run b.yaml` to pick it up again.',
    );
  });
});

describe('watchBoard', () => {
  const result = { name: 'b', state: 'completed', tasks: [] } as unknown as BoardResult;
  const reporter = { update: () => undefined, waiting: () => undefined };
  const snapshot = () => Promise.resolve({ answered: true } as BoardSnapshot);

  it('waits for the result again after its long poll died with the server', async () => {
    let calls = 0;
    const recoveries: boolean[] = [];
    let down = true;
    const recovery: ServerRecovery = {
      recover: () => {
        const outage = down;
        down = false;
        recoveries.push(outage);
        return Promise.resolve(outage);
      },
    };
    const watched = await watchBoard({
      snapshot,
      result: () => (calls++ === 0 ? Promise.reject(unavailable()) : Promise.resolve(result)),
      recovery,
      reporter,
      noWorkerMessage: '',
      pollMs: 10_000,
    });
    expect(watched).toBe(result);
    expect(calls).toBe(2);
    expect(recoveries).toEqual([true]);
  });

  it('rethrows what is not a lost server (a terminated board, say)', async () => {
    const terminated = new Error('Workflow execution terminated');
    await expect(
      watchBoard({
        snapshot,
        result: () => Promise.reject(terminated),
        recovery: { recover: () => Promise.resolve(false) },
        reporter,
        noWorkerMessage: '',
        pollMs: 10_000,
      }),
    ).rejects.toBe(terminated);
  });

  it('asks the recovery when a status poll fails, and keeps watching', async () => {
    let recovered = 0;
    let resolveResult: (r: BoardResult) => void = () => undefined;
    const final = new Promise<BoardResult>((resolve) => (resolveResult = resolve));
    let polls = 0;
    const watched = watchBoard({
      snapshot: () => {
        polls++;
        if (polls === 3) resolveResult(result);
        return Promise.reject(unavailable());
      },
      result: () => final,
      recovery: { recover: () => Promise.resolve(++recovered > 0) },
      reporter,
      noWorkerMessage: '',
      pollMs: 1,
    });
    expect(await watched).toBe(result);
    expect(recovered).toBeGreaterThanOrEqual(2);
  });
});
