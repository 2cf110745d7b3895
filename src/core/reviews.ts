/**
 * Reviews in the graph. A review depends on the tasks it reviews, and every task that depends on a
 * reviewed task waits for the review too: nothing builds on work before its review approved it.
 * Pure: the loader adds these dependencies to the board, and the workflow to tasks added while it runs.
 */

/** What these rules read of a task: its id, dependencies and the tasks it reviews. */
export interface ReviewNode {
  id: string;
  dependsOn: readonly string[];
  reviews?: readonly string[];
}

/** The review of each reviewed task (a task has one review at most; the loader refuses more). */
export function reviewerOf(tasks: Iterable<ReviewNode>): Map<string, string> {
  const reviewer = new Map<string, string>();
  for (const task of tasks) for (const id of task.reviews ?? []) if (!reviewer.has(id)) reviewer.set(id, task.id);
  return reviewer;
}

/**
 * The dependencies a task gains from reviews: the tasks it reviews, and the review of each task it
 * depends on (but its own). `reviewers` covers the whole board, the tasks already on it included.
 */
export function reviewWaits(task: ReviewNode, reviewers: ReadonlyMap<string, string>): string[] {
  const have = new Set(task.dependsOn);
  const extra: string[] = [];
  const add = (id: string) => {
    if (id === task.id || have.has(id)) return;
    have.add(id);
    extra.push(id);
  };
  for (const id of task.reviews ?? []) add(id);
  for (const dep of task.dependsOn) {
    const review = reviewers.get(dep);
    if (review !== undefined) add(review);
  }
  return extra;
}

/** The tasks with the dependencies reviews give them. `others`: tasks already on the board (for added ones). */
export function withReviewWaits<T extends ReviewNode & { dependsOn: string[] }>(
  tasks: readonly T[],
  others: readonly ReviewNode[] = [],
): T[] {
  const reviewers = reviewerOf([...others, ...tasks]);
  if (reviewers.size === 0) return [...tasks];
  return tasks.map((task) => {
    const extra = reviewWaits(task, reviewers);
    return extra.length ? { ...task, dependsOn: [...task.dependsOn, ...extra] } : task;
  });
}
