/** "Did you mean" for misspelt field names and values: a typo should cost the user seconds, not a debugging session. */

/** Words people reach for from other task runners, mapped to the field that means the same here. */
const ALIASES: Record<string, readonly string[]> = {
  depends: ['dependsOn'],
  deps: ['dependsOn'],
  needs: ['dependsOn'],
  after: ['dependsOn'],
  requires: ['dependsOn'],
  dependencies: ['dependsOn'],
  command: ['agent'],
  cmd: ['command', 'agent'],
  run: ['command', 'agent'],
  script: ['command', 'agent'],
  concurrency: ['maxParallel'],
  parallel: ['maxParallel'],
  parallelism: ['maxParallel'],
  retries: ['maxAttempts', 'retry'],
  attempts: ['maxAttempts'],
  duration: ['estimate'],
  kind: ['type'],
  title: ['name', 'description'],
};

const fold = (word: string): string => word.toLowerCase().replace(/[-_\s]/g, '');

export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const folded = fold(input);
  const exact = candidates.find((c) => fold(c) === folded);
  if (exact) return exact;
  const alias = ALIASES[folded]?.find((c) => candidates.includes(c));
  if (alias) return alias;
  const budget = folded.length >= 6 ? 2 : 1;
  let best: string | undefined;
  let bestDistance = budget + 1;
  for (const candidate of candidates) {
    const other = fold(candidate);
    // Beyond the budget whatever the letters: skipped unmeasured, so a 5 MB key costs nothing.
    if (Math.abs(other.length - folded.length) > budget) continue;
    const distance = editDistance(folded, other);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

export function suggestion(input: string, candidates: readonly string[]): string {
  const match = didYouMean(input, candidates);
  return match === undefined ? '' : ` (did you mean ${JSON.stringify(match)}?)`;
}

/** Optimal string alignment distance: Levenshtein plus adjacent swaps, the commonest typo ("biuld"). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row[j] = j;
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, row[j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      row[j] = best;
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}
