import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { SetupError } from '../src/errors.js';

/** gRPC status code NOT_FOUND. */
const NOT_FOUND: number = 5;

/**
 * Makes `namespace` usable on the embedded server. A fresh server creates it from `--namespace`;
 * this covers a reused one started for another namespace. Registration is visible to describe at
 * once but to other calls only after the frontend's namespace cache refreshes, hence the polling.
 */
export async function ensureNamespace(address: string, namespace: string, timeoutMs = 30_000): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 5_000 });
  try {
    const service = connection.workflowService;
    try {
      await service.describeNamespace({ namespace });
      return;
    } catch (error) {
      if (!isGrpcServiceError(error) || (error.code as number) !== NOT_FOUND) throw error;
    }
    await service.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('7 days') });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await service.listWorkflowExecutions({ namespace, pageSize: 1 });
        return;
      } catch (error) {
        if (Date.now() >= deadline) {
          throw new SetupError(
            `Registered namespace ${namespace} on the embedded Temporal server at ${address}, but it did not become usable: ${
              error instanceof Error ? error.message : String(error)
            }`,
          );
        }
        await sleep(250);
      }
    }
  } finally {
    await connection.close();
  }
}
