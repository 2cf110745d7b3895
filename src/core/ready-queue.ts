/**
 * The order in which ready tasks get a slot: longest remaining critical path (b-level) first,
 * then the user's priority, then id so that every replay picks the same task.
 * A binary heap keeps a 10,000-task board from re-sorting its ready list on every completion.
 */

export interface Rank {
  id: string;
  bLevel: number;
  priority: number;
}

export function compareRank(a: Rank, b: Rank): number {
  if (a.bLevel !== b.bLevel) return b.bLevel - a.bLevel;
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export class ReadyQueue<T extends Rank> {
  private readonly heap: T[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(item: T): void {
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (compareRank(heap[i]!, heap[parent]!) >= 0) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  pop(): T | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let best = i;
        if (left < heap.length && compareRank(heap[left]!, heap[best]!) < 0) best = left;
        if (right < heap.length && compareRank(heap[right]!, heap[best]!) < 0) best = right;
        if (best === i) break;
        [heap[i], heap[best]] = [heap[best]!, heap[i]!];
        i = best;
      }
    }
    return top;
  }

  clear(): void {
    this.heap.length = 0;
  }

  /** Removes every item matching the predicate (used when a queued task is cancelled). */
  removeWhere(predicate: (item: T) => boolean): T[] {
    const removed = this.heap.filter(predicate);
    if (removed.length === 0) return removed;
    const kept = this.heap.filter((item) => !predicate(item));
    this.heap.length = 0;
    for (const item of kept) this.push(item);
    return removed;
  }
}
