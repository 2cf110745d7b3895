/**
 * `todone draft` with a custom agent command (tests/fixtures/draft-agent/agent.mjs): a first draft
 * with a mistake, the loader's problems sent back, a valid board second; the board saved whole and
 * shown with its plan; the agent confined (it cannot write the repository, nor reach this machine's
 * services but the model API its environment names); bad input refused with
 * exit 2; an agent that never gets it right ends with exit 1 and its last problems.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadBoardFile } from '../../src/board/load.js';
import { runCli } from '../support/cli.js';

const AGENT = fileURLToPath(new URL('../fixtures/draft-agent/agent.mjs', import.meta.url));
const COMMAND = JSON.stringify([process.execPath, AGENT, '{promptFile}']);
const STACK_LINE = /^\s+at .+[:(]/m;

let dir: string;
let repo: string;
const env = (extra: Record<string, string> = {}) => ({
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TODONE_HOME: path.join(dir, 'home'),
  TODONE_TASK_QUEUE: `draft-${randomUUID()}`,
  ...extra,
});

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-draft-'));
  repo = path.join(dir, 'repo');
  await fs.mkdir(path.join(repo, 'src'), { recursive: true });
  await fs.writeFile(path.join(repo, 'package.json'), JSON.stringify({ scripts: { test: 'node --test' } }));
  await fs.writeFile(path.join(repo, 'src', 'a.js'), 'export const a = 1;\n');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
  git('init', '-q');
  git('add', '.');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'init');
});
afterAll(async () => fs.rm(dir, { recursive: true, force: true }));

describe('todone draft', () => {
  it("sends the loader's problems back, saves the valid board and shows its plan; the agent writes nothing else", async () => {
    const result = await runCli(['draft', 'Parse and format input, then document it', '--command', COMMAND], {
      cwd: repo,
      env: env(),
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toContain('attempt 1 of 4');
    expect(result.stderr).toContain(
      'Attempt 1: 1 problem, sent back to the agent:\n  tasks[1].dependsOn[0]: unknown task "nope" (line 5)\n',
    );
    expect(result.stdout).toContain('Board written to board.yaml (attempt 2).');
    expect(result.stdout).toMatch(/Waves \(2\):/);
    expect(result.stdout).toContain('Critical path: parser -> docs');
    expect(result.stdout).toContain('name the same files');
    expect(result.stdout).toMatch(/src\/a\.js: parser, format/);
    expect(result.stdout).toContain('Nothing has run. Read it, then: todone run board.yaml');

    const board = await loadBoardFile(path.join(repo, 'board.yaml'));
    expect(board.goal).toBe('fixed: tasks[1].dependsOn[0]: unknown task "nope" (line 5)');
    expect(board.tasks.map((t) => t.id)).toEqual(['parser', 'format', 'docs']);
    // Confined: the repository is readable but not writable, and nothing was left in it.
    await expect(fs.access(path.join(repo, 'escaped.txt'))).rejects.toThrow();
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' })).toBe('?? board.yaml\n');
    await fs.rm(path.join(repo, 'board.yaml'));
  });

  it("reaches the model API its environment names, and none of this machine's other services", async () => {
    const servers: http.Server[] = [];
    const listen = async () => {
      let requests = 0;
      const server = http.createServer((_req, res) => {
        requests++;
        res.end('ok');
      });
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/`, requests: () => requests };
    };
    const [service, model] = [await listen(), await listen()];
    // Straight to each address, no proxy: what a process that ignores the proxy variables would do.
    const probe = [
      "const http = require('http'); const fs = require('fs');",
      'const get = (url) => new Promise((done) => { const req = http.get(url, { timeout: 5000 }, (res) => { res.resume(); done(String(res.statusCode)); });',
      "  req.on('error', (e) => done(e.code || 'error')); req.on('timeout', () => { req.destroy(); done('timeout'); }); });",
      '(async () => { const s = await get(process.env.PROBE_SERVICE); const m = await get(process.env.ANTHROPIC_BASE_URL);',
      '  fs.writeFileSync(process.env.TODONE_DRAFT_FILE, `name: probe\ntasks:\n  - { id: t, agent: "true", description: "service ${s} model ${m}" }\n`); })();',
    ].join('\n');
    try {
      const result = await runCli(
        [
          'draft',
          'probe',
          '--command',
          JSON.stringify([process.execPath, '-e', probe, '{promptFile}']),
          '-o',
          'probe.yaml',
        ],
        { cwd: repo, env: env({ PROBE_SERVICE: service.url, ANTHROPIC_BASE_URL: model.url }) },
      );
      expect(result.exitCode, result.stderr).toBe(0);
      const board = await loadBoardFile(path.join(repo, 'probe.yaml'));
      expect(board.tasks[0]!.description).toMatch(/^service (?!200)\S+ model 200$/);
      expect(service.requests()).toBe(0);
      expect(model.requests()).toBe(1);
    } finally {
      for (const server of servers) server.close();
      await fs.rm(path.join(repo, 'probe.yaml'), { force: true });
    }
  });

  it('ends with exit 1 and the last problems when the agent never writes a valid board', async () => {
    const result = await runCli(['draft', 'anything', '--command', COMMAND, '--rounds', '2', '-o', 'never.yaml'], {
      cwd: repo,
      env: env({ DRAFT_AGENT_MODE: 'always-wrong' }),
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('did not write a valid board in 3 attempts. The last problems:');
    expect(result.stderr).toContain('tasks[1].dependsOn[0]: unknown task "nope" (line 5)');
    expect(result.stderr).not.toMatch(STACK_LINE);
    expect(result.stdout).toBe('');
    await expect(fs.access(path.join(repo, 'never.yaml'))).rejects.toThrow();
  });

  it('refuses bad input with exit 2 before any agent runs', async () => {
    await fs.writeFile(path.join(dir, 'taken.yaml'), 'name: mine\n');
    const cases: [string[], RegExp][] = [
      [['draft', 'x', '--agent', 'claude', '--command', COMMAND], /--command: give --agent or --command, not both/],
      [['draft', 'x', '--command', 'no-such-agent-cli {promptFile}'], /"no-such-agent-cli" was not found on PATH/],
      [
        ['draft', 'x', '--command', COMMAND, '-o', path.join(dir, 'taken.yaml')],
        /taken\.yaml exists: give another file, or --force/,
      ],
      [['draft', 'x', '--command', COMMAND, '-o', 'board.txt'], /--output: expected a \.yaml, \.yml or \.json file/],
      [['draft', 'x', '--command', COMMAND, '--repo', path.join(dir, 'missing')], /--repo: not a folder/],
      [['draft', 'x', '--command', '[1, 2]'], /--command is invalid .*expected a JSON array of strings/s],
      [['draft', 'x', '--agent', 'cursor'], /argument 'cursor' is invalid/],
      [['draft', 'x', '--rounds', '-1'], /expected a whole number/],
      [['draft', '  ', '--command', COMMAND], /goal: say what the board is for/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args, { cwd: repo, env: env() });
      expect(result.exitCode, `${args.join(' ')}\n${result.stderr}`).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr).not.toMatch(STACK_LINE);
    }
    expect(await fs.readFile(path.join(dir, 'taken.yaml'), 'utf8')).toBe('name: mine\n');
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' })).toBe('');
  });

  it('--run goes straight on to run the board it wrote', async () => {
    const result = await runCli(['draft', 'Parse and format input', '--command', COMMAND, '-o', 'ran.yaml', '--run'], {
      cwd: repo,
      env: env(),
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('Board written to ran.yaml (attempt 2).');
    expect(result.stdout).not.toContain('Nothing has run');
    expect(result.stdout).toContain('completed: 3/3 succeeded');
    await fs.rm(path.join(repo, 'ran.yaml'));
  });
});
