/** Running the task activity outside a worker: its failure, and a logger that keeps expected failures quiet. */
import type { Info } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { expect } from 'vitest';

/** The ApplicationFailure `promise` rejects with (the test fails if it resolves, or rejects otherwise). */
export async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

const noop = () => undefined;
/** Failed attempts are what these tests expect; the SDK would log each one as an error. */
export const quietLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };

/**
 * The task activity's context outside a worker, as a worker's poll receives an attempt: scheduled
 * just now (the mock's default, 1 ms past 1970, would make every attempt with a heartbeat timeout
 * one handed over late), with the quiet logger.
 */
export function taskActivityEnvironment(info: Partial<Info>): MockActivityEnvironment {
  return new MockActivityEnvironment(
    { currentAttemptScheduledTimestampMs: Date.now(), ...info },
    { logger: quietLogger },
  );
}
