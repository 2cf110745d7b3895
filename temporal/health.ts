import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { acceptsTcp } from './ports.js';

/**
 * Whether a Temporal frontend at `address` answers: a TCP connect first (instant "no" while the
 * port is closed), then a real gRPC round trip (`getSystemInfo` inside `Connection.connect`, and
 * `describeNamespace` because a frontend can listen before its namespaces are usable).
 */
export async function serverAnswers(
  address: string,
  opts: { timeoutMs?: number; namespace?: string } = {},
): Promise<boolean> {
  const timeoutMs = opts.timeoutMs ?? 2_000;
  const [host, portText] = splitAddress(address);
  if (!(await acceptsTcp(host, Number(portText), Math.min(timeoutMs, 1_000)))) return false;
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: timeoutMs });
    const conn = connection;
    await conn.withDeadline(Date.now() + timeoutMs, () =>
      conn.workflowService.describeNamespace({ namespace: opts.namespace ?? 'default' }),
    );
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/**
 * Polls until the server answers, it is known to have died (`gaveUp`), or the deadline passes.
 * Polling, not a fixed sleep: a warm start takes well under a second, a cold one several.
 */
export async function waitUntilServing(
  address: string,
  opts: { timeoutMs: number; gaveUp?: () => boolean; namespace?: string },
): Promise<boolean> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (opts.gaveUp?.()) return false;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    if (await serverAnswers(address, { timeoutMs: Math.min(2_000, Math.max(left, 250)), namespace: opts.namespace })) {
      return true;
    }
    await sleep(150);
  }
}

export function splitAddress(address: string): [host: string, port: string] {
  const index = address.lastIndexOf(':');
  if (index < 0) return [address, '7233'];
  return [address.slice(0, index).replace(/^\[|\]$/g, ''), address.slice(index + 1)];
}
