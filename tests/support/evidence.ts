/** Reads what timedCommand() left in a workdir. */
import fs from 'node:fs/promises';
import path from 'node:path';

export interface Span {
  id: string;
  start: number;
  end: number;
}

export async function readSpan(workdir: string, id: string): Promise<Span> {
  const read = async (suffix: string) =>
    Number((await fs.readFile(path.join(workdir, `${id}.${suffix}`), 'utf8')).trim());
  return { id, start: await read('start'), end: await read('end') };
}

export async function readSpans(workdir: string, ids: string[]): Promise<Map<string, Span>> {
  const spans = await Promise.all(ids.map((id) => readSpan(workdir, id)));
  return new Map(spans.map((s) => [s.id, s]));
}

/** Largest number of spans open at one instant. */
export function maxOverlap(spans: Iterable<Span>): number {
  const events: [number, number][] = [];
  for (const span of spans) events.push([span.start, 1], [span.end, -1]);
  // Ends sort before starts at the same millisecond: back-to-back tasks are not concurrent.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let max = 0;
  for (const [, delta] of events) max = Math.max(max, (open += delta));
  return max;
}

export async function countRuns(workdir: string, id: string): Promise<number> {
  try {
    return (await fs.readFile(path.join(workdir, `${id}.runs`), 'utf8')).split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
}
