/** The git layer: worktrees per task, commits, the integration queue, landing and cleaning up. */
export { commitWork, diffStat, MAX_FILES } from './commit.js';
export { cleanBoard, sweepOrphans, type CleanResult, type SweepResult } from './cleanup.js';
export { crashPoint, CRASH_POINTS, type CrashPointName } from './crash-point.js';
export { GitCommandError, GitConfigError } from './errors.js';
export { DEFAULT_AUTHOR, openGit, type Git } from './git.js';
export { initIntegration, integrate } from './integration.js';
export { land } from './land.js';
export * from './names.js';
export { withRepoLock } from './repo-lock.js';
export type * from './types.js';
export { initPool, prepareWorktree, releaseWorktree } from './worktree.js';
