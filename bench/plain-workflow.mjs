// The yardstick for bench/overhead.mjs: a plain Temporal workflow running `count` activities, at
// most `concurrency` at once, each of which only spawns a process. Bundled by the bench itself.
import { proxyActivities } from '@temporalio/workflow';

const { spawnProcess } = proxyActivities({ startToCloseTimeout: '1 minute' });

export async function plainBoard(count, concurrency, argv) {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next++;
      await spawnProcess(argv);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return count;
}
