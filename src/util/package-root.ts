/**
 * The folder holding todone's package.json: its version, its static files, the tools it provisions
 * live there. Found by walking up because the code runs both from the source tree (tests) and from
 * `dist/` (the built CLI), at different depths.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** This code's own package root, found once: the walk reads files synchronously, and tasks ask per attempt. */
let own: { root: string | undefined } | undefined;

export function findPackageRoot(start?: string): string | undefined {
  if (start !== undefined) return walkUp(start);
  own ??= { root: walkUp(path.dirname(fileURLToPath(import.meta.url))) };
  return own.root;
}

function walkUp(start: string): string | undefined {
  let dir = start;
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
        if (parsed.name === 'todone') return dir;
      } catch {
        // An unreadable manifest belongs to someone else; keep walking.
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
