/**
 * The tokens of `todone ui` and `todone codec-server`, through the real executable (dist/): a
 * fixed token from the environment must be as hard to guess as a generated one and fit a URL path
 * segment, or the command stops before serving anything (exit 2, one line naming the variable, no
 * stack); a good one is the token the server then asks for, in a header, on every read.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { newToken } from '../../src/server/guard.js';
import { runCli, spawnCli } from '../support/cli.js';
import { freePort } from '../support/free-port.js';
import { followLines } from '../support/output-lines.js';

let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-cli-tokens-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const WEAK = [
  ['too short', 'secret'],
  ['with spaces', 'a token with spaces in it that is long enough'],
  ['with a slash', `${'a'.repeat(40)}/b`],
  ['non-ASCII', 'ɑ'.repeat(40)],
];

describe('fixed server tokens', () => {
  it.each(WEAK)('refuses a TODONE_UI_TOKEN %s before starting anything', async (_name, weak) => {
    const result = await runCli(['ui', '--port', String(await freePort())], {
      // A server that is not there: reaching for it would fail differently, and later.
      env: { TODONE_HOME: path.join(dir, 'home'), TODONE_UI_TOKEN: weak, TEMPORAL_ADDRESS: '127.0.0.1:1' },
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toMatch(/^todone: TODONE_UI_TOKEN: must be 32 to 512 letters, digits, '_' or '-'/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  });

  it.each(WEAK)('refuses a TODONE_CODEC_TOKEN %s', async (_name, weak) => {
    const result = await runCli(['codec-server', '--port', String(await freePort())], {
      env: { TODONE_PAYLOAD_KEY: `k1:${Buffer.alloc(32, 7).toString('base64')}`, TODONE_CODEC_TOKEN: weak },
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toMatch(/^todone: TODONE_CODEC_TOKEN: must be 32 to 512 letters/);
    expect(result.stdout).toBe('');
  });

  it('serves `todone ui` with a good fixed token: in the printed link’s fragment, asked for in a header', async () => {
    const token = newToken();
    const port = await freePort();
    const ui = spawnCli(['ui', '--port', String(port)], {
      env: { TODONE_HOME: path.join(dir, 'home'), TODONE_UI_TOKEN: token, TEMPORAL_ADDRESS: inject('temporalAddress') },
    });
    try {
      const line = await followLines(ui.stdout).next(/^Todone web board: /, '`todone ui` to print its link', 60_000);
      expect(line).toBe(`Todone web board: http://127.0.0.1:${port}/#token=${token}`);
      const boards = `http://127.0.0.1:${port}/api/boards`;
      expect((await fetch(boards)).status).toBe(401);
      expect((await fetch(`${boards}?token=${token}`)).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${port}/${token}/api/boards`)).status).toBe(401);
      const answer = await fetch(boards, { headers: { Authorization: `Bearer ${token}` } });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toHaveProperty('boards');
    } finally {
      ui.kill('SIGINT');
      await ui;
    }
  });
});
