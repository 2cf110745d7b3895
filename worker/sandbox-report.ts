/**
 * What a worker found about confining agents on its host (probed once per process, bounded), for
 * `todone worker` to print at start and `todone run` when its board has codex tasks.
 */
import { describeHostSandboxes } from '../activities/agents/host-sandboxes.js';
import type { BoardSpec } from '../src/core/board.js';

export function sandboxReport(board?: BoardSpec): Promise<string | undefined> {
  const usesCodex = (b: BoardSpec) =>
    b.tasks.some(
      (task) => task.agent.kind === 'codex' || task.candidates?.agents.some((agent) => agent.kind === 'codex'),
    );
  if (board && !usesCodex(board)) return Promise.resolve(undefined);
  return describeHostSandboxes();
}
