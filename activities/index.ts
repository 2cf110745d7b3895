/**
 * Builds the activities with their dependencies, so tests and workers pass real ones explicitly.
 */
import { createGitActivities } from './git-activities.js';
import { createRunTask, type RunTaskDeps } from './run-task.js';

export type ActivityDeps = RunTaskDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    runTask: createRunTask(deps),
    ...createGitActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
