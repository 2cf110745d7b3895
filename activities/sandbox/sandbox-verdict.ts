/**
 * What the sandbox had to do with a run that failed: a write it refused (the run can never pass as
 * configured, so the attempt is not retried and says which setting would allow it), or connections
 * the network policy refused (said with the failure, and in the log, which the task cannot write).
 */
import fs from 'node:fs/promises';
import type { FilteredNetwork } from '../network/filtered-networks.js';
import { refusedWriteMessage, refusedWritePath } from './refused-write.js';

export type SandboxVerdict =
  /** A refused write: fail for good with this message. */
  | { final: string }
  /** Refused connections: added to the failure's message. */
  | { note: string }
  | undefined;

export function sandboxVerdict(options: {
  confined: boolean;
  /** The end of the failed command's output. */
  tail: string;
  network: FilteredNetwork | undefined;
  home: string;
  /** Names the command in the message: "the task", "the check `npm test`". */
  what: string;
}): SandboxVerdict {
  if (!options.confined) return undefined;
  const refused = refusedWritePath(options.tail);
  if (refused) return { final: refusedWriteMessage(refused, options.home, options.what) };
  const connections = options.network?.refusals() ?? [];
  if (connections.length === 0) return undefined;
  return {
    note: ` (the sandbox's network refused ${connections.join(', ')}: allow a host with network: { allow: [host:port] })`,
  };
}

/** Writes the refused connections at the end of the attempt's log, after its process is gone. */
export async function logRefusedConnections(logPath: string, network: FilteredNetwork | undefined): Promise<void> {
  const connections = network?.refusals() ?? [];
  if (connections.length === 0) return;
  const lines = connections.map((line) => `[todone] the sandbox's network refused ${line}\n`).join('');
  await fs.appendFile(logPath, `\n${lines}`);
}
