/** Saving a drafted board. */
import { constants } from 'node:fs';
import fs from 'node:fs/promises';

/** The board appears whole or not at all: written beside it, then renamed over it (a link there is replaced, not followed). */
export async function writeBoardFile(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  const handle = await fs.open(
    temporary,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o644,
  );
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temporary, file).catch(async (error: unknown) => {
    await fs.rm(temporary, { force: true });
    throw error;
  });
}
