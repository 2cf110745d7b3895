/**
 * Builds the activities with their dependencies, so tests and workers pass real ones explicitly.
 */
import { createBoardActivities } from './board-activities.js';
import { createGitActivities, type GitActivityDeps } from './git-activities.js';
import { createNotify } from './notify.js';
import { createRunTask, type RunTaskDeps } from './run-task.js';

export type ActivityDeps = RunTaskDeps & GitActivityDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    runTask: createRunTask(deps),
    ...createBoardActivities(deps),
    ...createGitActivities(deps),
    notify: createNotify(deps.env),
  };
}

export type Activities = ReturnType<typeof createActivities>;
