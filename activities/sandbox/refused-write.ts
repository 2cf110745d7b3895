/**
 * A failure the sandbox caused: a write to a read-only place. Tools say it in their own words
 * (`EROFS: read-only file system, open '/home/u/.npm/_cacache/…'`, `cannot create /x: Read-only
 * file system`, `[Errno 30] Read-only file system: '/home/u/.cache/pip'`, `mkdir /home/u/go:
 * read-only file system`); the attempt can never pass as configured, so it fails without a retry
 * and says which path was refused and which setting would allow it.
 */
import path from 'node:path';

const READ_ONLY = /read-only file system|\bEROFS\b|os error 30/i;
// Quoted in ASCII or, in a UTF-8 locale, in typographic quotes (coreutils' ‘/path’).
const ABSOLUTE_PATH = /(?:^|[\s'"`(=:‘“«])(\/[^\s'"`,;:)’”»]+)/g;

/** The first refused path named in `output` (the end of the task's output), or undefined. */
export function refusedWritePath(output: string): string | undefined {
  const lines = output.split('\n');
  for (const [i, line] of lines.entries()) {
    const marker = READ_ONLY.exec(line);
    if (!marker) continue;
    // The path nearest the complaint: `/bin/sh: 1: cannot create /x: Read-only file system` names /x.
    const onLine = pathsIn(line).sort((a, b) => distance(a, marker.index) - distance(b, marker.index));
    // Rust and Go often name the path a few lines above the error they wrap.
    const above = lines.slice(Math.max(0, i - 3), i).reverse();
    const found = onLine[0]?.path ?? above.map((l) => pathsIn(l).at(-1)?.path).find(Boolean);
    if (found) return path.normalize(found);
  }
  return undefined;
}

function pathsIn(line: string): { path: string; at: number }[] {
  return [...line.matchAll(ABSOLUTE_PATH)]
    .map((match) => ({ path: match[1]!, at: match.index + match[0].indexOf(match[1]!) }))
    .filter((found) => found.path !== '/' && !found.path.startsWith('/dev/'));
}

function distance(found: { path: string; at: number }, marker: number): number {
  return found.at > marker ? found.at - marker : marker - (found.at + found.path.length);
}

/** The folder to suggest for `writable:`: the tool's folder under home, else the refused file's folder. */
export function suggestedWritable(refused: string, home: string): string {
  const relative = path.relative(home, refused);
  if (relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative)) {
    const parts = relative.split(path.sep);
    // ~/.cache/tool, ~/.config/tool, ~/.local/share/tool: the tool's own folder, not the shared one.
    const depth = parts[0] === '.local' ? 3 : parts[0] === '.cache' || parts[0] === '.config' ? 2 : 1;
    return `~/${parts.slice(0, Math.min(depth, parts.length)).join('/')}`;
  }
  return path.extname(refused) ? path.dirname(refused) : refused;
}

export function refusedWriteMessage(refused: string, home: string, where: string): string {
  const folder = suggestedWritable(refused, home);
  return (
    `${where} failed because the sandbox refused a write to ${refused} (read-only file system): a confined task writes only ` +
    `its folder, /tmp, $TODONE_SHARED_DIR and the cache folders Todone points the build tools at. If the task must write there, ` +
    `add the folder to the board or the task: \`writable: ['${folder}']\` (or run it with \`sandbox: none\`). Not retried: ` +
    'it would fail the same way.'
  );
}
