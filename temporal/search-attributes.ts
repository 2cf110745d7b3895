/**
 * The embedded server registers Todone's search attributes by itself, on every start or reuse: a
 * database made by an earlier version has none, and `start-dev --search-attribute` adds nothing to
 * an existing database. A cluster's operator registers them once (docs/CONTRACT.md).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, isGrpcServiceError } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes.js';
import { BOARD_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';

const NOT_FOUND: number = 5;
const ALREADY_EXISTS: number = 6;

/** Adds the attributes `namespace` lacks; a namespace that does not exist yet is left alone. */
export async function ensureSearchAttributes(address: string, namespace: string, timeoutMs = 15_000): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: 5_000 });
  try {
    const service = connection.operatorService;
    const missing = async () => {
      const { customAttributes } = await service.listSearchAttributes({ namespace });
      return BOARD_SEARCH_ATTRIBUTES.filter((key) => customAttributes?.[key.name] === undefined);
    };
    let absent;
    try {
      absent = await missing();
    } catch (error) {
      if (isGrpcServiceError(error) && (error.code as number) === NOT_FOUND) return;
      throw error;
    }
    if (absent.length === 0) return;
    const searchAttributes = Object.fromEntries(
      absent.map((key) => [key.name, encodeSearchAttributeIndexedValueType(key.type)!]),
    );
    try {
      await service.addSearchAttributes({ namespace, searchAttributes });
    } catch (error) {
      // Another process registering them at the same moment is as good.
      if (!(isGrpcServiceError(error) && (error.code as number) === ALREADY_EXISTS)) throw error;
    }
    const deadline = Date.now() + timeoutMs;
    while ((await missing()).length > 0) {
      if (Date.now() > deadline)
        throw new Error(
          `Todone's search attributes did not appear in namespace ${namespace} within ${timeoutMs / 1000} s`,
        );
      await sleep(200);
    }
  } finally {
    await connection.close();
  }
}
