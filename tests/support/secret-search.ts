/** Finding a secret wherever Todone might have put it: a history's payloads (decoded), files on disk. */
import fs from 'node:fs/promises';
import path from 'node:path';

/** Every string and every byte array (payload data, decoded as UTF-8) in a value, as one text. */
export function textOf(value: unknown): string {
  const parts: string[] = [];
  const walk = (node: unknown): void => {
    if (typeof node === 'string') parts.push(node);
    else if (node instanceof Uint8Array)
      parts.push(Buffer.from(node).toString('utf8'), Buffer.from(node).toString('latin1'));
    else if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === 'object' && node !== null) Object.values(node).forEach(walk);
  };
  walk(value);
  return parts.join('\n');
}

/** The files under `dir` whose bytes contain `needle`. */
export async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  const entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const bytes = await fs.readFile(file);
    if (bytes.includes(needle)) found.push(file);
  }
  return found;
}
