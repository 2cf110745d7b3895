/**
 * The packed package works where it is installed, as a service team or an `npx todone` user gets
 * it: `npm pack`, `npm install <tarball>` into an empty project, then `npx todone` for the
 * embedded server, a board run (its tasks confined, with the tools fetched into the per-user tools
 * folder), the web board's page, scripts and styles, and the schema. Uses the built dist/.
 *
 * The install uses npm's cache first (`--prefer-offline`): the checkout's own `npm install` filled
 * it, so this needs the registry only for what the cache lacks.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/free-port.js';
import { followLines } from '../support/output-lines.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
let temp: string;
let project: string;
let home: string;

const consumerEnv = () => ({ NO_COLOR: '1', TEMPORAL_ADDRESS: undefined, TODONE_HOME: home });

/** `npx todone …` in the consumer project: its own installed copy, nothing of this checkout. */
function npx(args: string[]): ResultPromise {
  return execa('npx', ['--no-install', 'todone', ...args], {
    cwd: project,
    env: consumerEnv(),
    extendEnv: true,
    reject: false,
    stdin: 'ignore',
    timeout: 180_000,
  });
}

/**
 * The same installed copy through the link npm made in node_modules/.bin, for commands that run
 * until Ctrl-C: npx does not pass a signal on to the command it started.
 */
function installedBin(args: string[]): ResultPromise {
  return execa(path.join(project, 'node_modules', '.bin', 'todone'), args, {
    cwd: project,
    env: consumerEnv(),
    extendEnv: true,
    reject: false,
    stdin: 'ignore',
    timeout: 180_000,
  });
}

beforeAll(async () => {
  temp = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-installed-'));
  project = path.join(temp, 'consumer');
  home = path.join(temp, 'home');
  await fs.mkdir(project);
  // --ignore-scripts: the build already ran; `prepare` would run it again.
  const { stdout } = await execa('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', temp], {
    cwd: root,
    timeout: 120_000,
  });
  const [packed] = JSON.parse(stdout) as { filename: string }[];
  await fs.writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  await execa('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(temp, packed!.filename)], {
    cwd: project,
    timeout: 300_000,
  });
}, 420_000);

afterAll(async () => {
  if (!temp) return;
  await npx(['server', '--stop']);
  await fs.rm(temp, { recursive: true, force: true });
});

describe('the installed package', () => {
  it('runs the embedded server in the foreground with the installed `todone server`', async () => {
    const [port, uiPort] = [await freePort(), await freePort()];
    const server = installedBin(['server', '--port', String(port), '--ui-port', String(uiPort)]);
    const printed = followLines(server.stdout);
    await printed.next(/^Press Ctrl-C to stop\.$/, 'the installed `todone server` to say it is ready', 60_000);
    expect(printed.lines).toContain(`Temporal dev server: 127.0.0.1:${port}`);
    server.kill('SIGINT');
    const ended = await server;
    expect(ended.exitCode, String(ended.stderr)).toBe(0);
  });

  it('runs a board with `npx todone run`, its tasks confined', async () => {
    const escapeProbe = path.join(os.homedir(), `.todone-installed-escape-${process.pid}`);
    const boardDir = path.join(project, 'board');
    await fs.mkdir(boardDir);
    await fs.writeFile(
      path.join(boardDir, 'board.yaml'),
      [
        'name: Installed',
        'tasks:',
        "  - { id: write, agent: 'echo hello > out.txt' }",
        // Confined: its own folder is writable, the home folder is not.
        `  - { id: confined, dependsOn: [write], agent: 'cat out.txt && ! touch ${escapeProbe}' }`,
      ].join('\n'),
    );
    const run = await npx(['run', 'board/board.yaml']);
    await expect(fs.stat(escapeProbe), 'a confined task wrote to the home folder').rejects.toThrow(/ENOENT/);
    expect(run.exitCode, String(run.stderr)).toBe(0);
    expect(String(run.stdout)).toContain('Board Installed completed: 2/2 succeeded');
    expect(await fs.readFile(path.join(boardDir, 'out.txt'), 'utf8')).toBe('hello\n');
  });

  it("serves the web board's page, scripts and styles with the installed `todone ui`", async () => {
    const port = await freePort();
    const ui = installedBin(['ui', '--port', String(port)]);
    await followLines(ui.stdout).next(/^Todone web board: /, 'the installed `todone ui` to print its address', 60_000);
    try {
      const base = `http://127.0.0.1:${port}`;
      const page = await fetch(`${base}/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
      expect(assets).toEqual(expect.arrayContaining(['/assets/app.js', '/assets/app.css']));
      for (const asset of assets) expect((await fetch(`${base}${asset}`)).status, asset).toBe(200);
    } finally {
      ui.kill('SIGINT');
      await ui;
    }
  });

  it('prints the JSON Schema it ships with `npx todone schema`', async () => {
    const schema = await npx(['schema']);
    expect(schema.exitCode).toBe(0);
    const shipped = JSON.parse(
      await fs.readFile(path.join(project, 'node_modules', 'todone', 'schema', 'board.schema.json'), 'utf8'),
    ) as unknown;
    expect(JSON.parse(String(schema.stdout))).toEqual(shipped);
  });
});
