import type { BoardGitConfig } from '../../core/board.js';
import type { IntegrationStatus } from '../../core/run-state.js';

/** Enough of a board's git settings to land or clean it, rebuilt from its recorded result. */
export function gitConfigOf(integration: IntegrationStatus): BoardGitConfig {
  return {
    repo: integration.repo,
    ...(integration.remote !== undefined ? { remote: integration.remote } : {}),
    base: integration.baseBranch,
    worktreeRoot: integration.worktreeRoot,
    poolSize: 0,
    keep: [],
    copy: [],
    link: [],
    strategy: 'merge',
  };
}
