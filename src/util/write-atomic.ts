import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';

/**
 * Writes `file` whole or not at all (a temporary file beside it, then a rename), so a reader in
 * another process never sees half of it: failover reads a task's pid file while its worker may be
 * writing it, and a torn file would be taken for none.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await fs.writeFile(tmp, data);
    await fs.rename(tmp, file);
  } catch (error) {
    await fs.rm(tmp, { force: true });
    throw error;
  }
}
