/**
 * The real Claude Code CLI (a devDependency), offline against the scripted model server: it calls
 * Todone's MCP tools (`todone mcp` through --mcp-config) to start a board and read its result, and
 * it writes a board for `todone draft --agent claude` (confined: only the draft's folder writable).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { loadBoardFile } from '../../src/board/load.js';
import { claudeInvocation, cliPath, runCli as runAgentCli } from '../fixtures/model-server/clis.js';
import { startModelServer, type ModelScript } from '../fixtures/model-server/server.js';
import { runCli, TODONE_BIN } from '../support/cli.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-agent-mcp-'));
  cleanup.push(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

async function modelServer(script: ModelScript) {
  const server = await startModelServer(script);
  cleanup.push(() => server.close());
  return server;
}

function bodyText(body: unknown): string {
  return JSON.stringify(body);
}

describe('Claude Code with todone mcp', () => {
  it('starts a board through start_board and reads its result through wait_board', async () => {
    const dir = await tempDir();
    const id = `claude-mcp-${randomUUID().slice(0, 8)}`;
    const board = path.join(dir, 'board.yaml');
    await fs.writeFile(
      board,
      `name: ${id}\ntasks:\n  - { id: one, agent: "echo ran > one.txt" }\n  - { id: two, agent: "echo ran > two.txt", dependsOn: [one] }\n`,
    );
    const server = await modelServer({
      turns: [
        { callTool: { name: 'start_board', input: { path: board } } },
        { callTool: { name: 'wait_board', input: { board: id, timeoutSeconds: 60 } } },
        { text: 'The board completed: 2 of 2 tasks succeeded.' },
      ],
    });
    const mcpConfig = {
      mcpServers: {
        todone: {
          command: process.execPath,
          args: [TODONE_BIN, 'mcp'],
          env: {
            TEMPORAL_ADDRESS: inject('temporalAddress'),
            TODONE_HOME: path.join(dir, 'todone-home'),
            TODONE_TASK_QUEUE: `claude-mcp-${randomUUID()}`,
          },
        },
      },
    };
    const home = path.join(dir, 'home');
    const invocation = await claudeInvocation({
      serverUrl: server.url,
      cwd: dir,
      home,
      prompt: 'Run board.yaml with Todone and tell me how it went.',
      // Connect the MCP servers before the first turn: the script's first answer calls one.
      extraEnv: { MCP_CONNECTION_NONBLOCKING: 'false' },
      extraArgs: [
        '--mcp-config',
        JSON.stringify(mcpConfig),
        '--strict-mcp-config',
        '--allowedTools',
        'mcp__todone__start_board',
        'mcp__todone__wait_board',
      ],
    });
    const result = await runAgentCli(invocation, 120_000);

    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      is_error: false,
      result: 'The board completed: 2 of 2 tasks succeeded.',
      permission_denials: [],
    });
    const turns = server.turnRequests();
    expect(turns.map((t) => t.turnIndex)).toEqual([0, 1, 2]);
    // Claude Code offered Todone's tools to the model, and sent their answers back.
    expect(bodyText(turns[0]!.body)).toContain('mcp__todone__start_board');
    expect(bodyText(turns[1]!.body)).toMatch(/tool_result.*\\"run\\":\\"started\\"/);
    expect(bodyText(turns[2]!.body)).toMatch(/\\"finished\\":true.*\\"state\\":\\"completed\\"/);
    expect(await fs.readFile(path.join(dir, 'one.txt'), 'utf8')).toBe('ran\n');
    expect(await fs.readFile(path.join(dir, 'two.txt'), 'utf8')).toBe('ran\n');
  });
});

describe('todone draft --agent claude', () => {
  it('has the real Claude Code write the board into TODONE_DRAFT_FILE, and nothing else', async () => {
    const dir = await tempDir();
    const repo = path.join(dir, 'repo');
    await fs.mkdir(path.join(repo, 'src'), { recursive: true });
    await fs.writeFile(path.join(repo, 'src', 'calc.js'), 'export const add = (a, b) => a + b;\n');
    execFileSync('git', ['init', '-q'], { cwd: repo });
    const drafted = [
      'name: Calculator',
      'repo: .',
      'agent: { kind: claude }',
      'tasks:',
      '  - { id: subtract, type: build, estimate: 10m, description: "Add subtract to src/calc.js." }',
      '  - { id: docs, type: document, estimate: 5m, dependsOn: [subtract], description: "Document src/calc.js in docs/calc.md." }',
      '',
    ].join('\n');
    const server = await modelServer({
      turns: [
        {
          writeFile: {
            path: 'unused.yaml',
            pathFromPrompt: 'change nothing else: ([^\\s"\\\\]+)',
            content: drafted,
          },
        },
        { text: 'Wrote the board.' },
      ],
    });
    const home = path.join(dir, 'home');
    const claude = await claudeInvocation({ serverUrl: server.url, cwd: repo, home, prompt: '' });
    const result = await runCli(['draft', 'A calculator that subtracts, documented', '--agent', 'claude'], {
      cwd: repo,
      env: {
        ...claude.env,
        PATH: `${path.dirname(cliPath('claude'))}${path.delimiter}${claude.env.PATH}`,
        TODONE_HOME: path.join(dir, 'todone-home'),
      },
    });

    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('Board written to board.yaml (attempt 1).');
    expect(result.stdout).toContain('Critical path: subtract -> docs');
    const board = await loadBoardFile(path.join(repo, 'board.yaml'));
    expect(board.tasks.map((t) => t.id)).toEqual(['subtract', 'docs']);
    expect(board.git?.repo).toBe(repo);
    // The prompt carried the goal, the draft file and the repository's map.
    const prompt = bodyText(server.turnRequests()[0]!.body);
    expect(prompt).toContain('A calculator that subtracts, documented');
    expect(prompt).toContain('src/calc.js');
    expect(prompt).toMatch(/TODONE_DRAFT_FILE/);
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: repo, encoding: 'utf8' })).toBe(
      '?? board.yaml\n?? src/\n',
    );
  });
});
