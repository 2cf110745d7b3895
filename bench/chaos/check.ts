/** One invariant's verdict: how many things it looked at, and what broke it (the first few, with the count). */
export interface Check {
  name: string;
  /** What it promises, in a line. */
  what: string;
  checked: number;
  violations: string[];
  /** What was measured, when there is a figure to give (the largest history, the peak memory). */
  detail?: string;
}

export function check(name: string, what: string): Check {
  return { name, what, checked: 0, violations: [] };
}

/** Folds the same invariant from several boards into one line of the report. */
export function merge(checks: readonly Check[]): Check[] {
  const byName = new Map<string, Check>();
  for (const c of checks) {
    const seen = byName.get(c.name);
    if (!seen) byName.set(c.name, { ...c, violations: [...c.violations] });
    else {
      seen.checked += c.checked;
      seen.violations.push(...c.violations);
    }
  }
  return [...byName.values()];
}
