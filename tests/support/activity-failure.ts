/** Running the task activity outside a worker: its failure, and a logger that keeps expected failures quiet. */
import { ApplicationFailure } from '@temporalio/common';
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
