/**
 * The page's own files, served from src/ui/public in the package (nothing from a CDN: the board
 * works offline). Only the files named here are served; nothing is looked up from the request's path.
 * They are public (served without the token): they are the same for everyone and hold no board's data.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { findPackageRoot } from '../util/package-root.js';

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/assets/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/assets/api.js': { file: 'api.js', type: 'text/javascript; charset=utf-8' },
  '/assets/live-feed.js': { file: 'live-feed.js', type: 'text/javascript; charset=utf-8' },
  '/assets/dom.js': { file: 'dom.js', type: 'text/javascript; charset=utf-8' },
  '/assets/graph.js': { file: 'graph.js', type: 'text/javascript; charset=utf-8' },
  '/assets/timeline.js': { file: 'timeline.js', type: 'text/javascript; charset=utf-8' },
  '/assets/task-panel.js': { file: 'task-panel.js', type: 'text/javascript; charset=utf-8' },
  '/assets/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/favicon.ico': { file: 'favicon.svg', type: 'image/svg+xml' },
};

export function publicDir(): string {
  const root = findPackageRoot();
  if (!root) throw new Error("cannot find the todone package folder for the web board's files");
  return path.join(root, 'src', 'ui', 'public');
}

export function isPublicFile(urlPath: string): boolean {
  return Object.hasOwn(FILES, urlPath);
}

export async function staticFile(urlPath: string): Promise<{ body: Buffer; type: string } | undefined> {
  if (!isPublicFile(urlPath)) return undefined;
  const entry = FILES[urlPath]!;
  return { body: await fs.readFile(path.join(publicDir(), entry.file)), type: entry.type };
}
