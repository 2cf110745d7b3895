// The yardstick for bench/overhead.mjs and bench/scale.mjs: a plain Temporal workflow running `count`
// activities, at most `concurrency` at once, each of which only spawns a process. Bundled by the
// bench itself. Like any workflow of thousands of activities, it continues as new when the server
// suggests it (its history grows too long), after the activities it started have ended.
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';

const { spawnProcess } = proxyActivities({ startToCloseTimeout: '1 minute' });

export async function plainBoard(count, concurrency, argv, continueWhenSuggested = false) {
  let next = 0;
  const lane = async () => {
    while (next < count && !(continueWhenSuggested && workflowInfo().continueAsNewSuggested)) {
      next++;
      await spawnProcess(argv);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  if (next < count) await continueAsNew(count - next, concurrency, argv, continueWhenSuggested);
  return count;
}
