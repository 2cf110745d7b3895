/** Todone's own version, from its package.json: recorded on every board it starts. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { findPackageRoot } from './util/package-root.js';

let cached: string | undefined;

export function todoneVersion(): string {
  if (cached === undefined) {
    const root = findPackageRoot();
    cached = root
      ? (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version
      : 'unknown';
  }
  return cached;
}
