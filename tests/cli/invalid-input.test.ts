import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { boardWorkflowId } from '../../workflows/api.js';
import { runCli } from '../support/cli.js';

let dir: string;
let client: Client;
let connection: Connection;
const env = () => ({ TEMPORAL_ADDRESS: inject('temporalAddress'), TODONE_HOME: path.join(dir, 'home') });

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-cli-invalid-'));
  connection = await Connection.connect({ address: inject('temporalAddress') });
  client = new Client({ connection });
});
afterAll(async () => {
  await connection?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function writeBoard(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, text);
  return file;
}

async function expectNoWorkflow(boardId: string): Promise<void> {
  await expect(client.workflow.getHandle(boardWorkflowId(boardId)).describe()).rejects.toBeInstanceOf(
    WorkflowNotFoundError,
  );
}

/** Each case: a board text, what stderr must say, and the board id that must not have started. */
const cases: { name: string; board: string; expect: string[] }[] = [
  {
    name: 'unknown dependency',
    board: 'name: unknown-dep\ntasks:\n  - { id: a, agent: "true" }\n  - { id: b, agent: "true", dependsOn: [x] }\n',
    expect: ['tasks[1].dependsOn[0]: unknown task "x"'],
  },
  {
    name: 'duplicate ids',
    board: 'name: dup-ids\ntasks:\n  - { id: a, agent: "true" }\n  - { id: a, agent: "true" }\n',
    expect: ['tasks[1].id: duplicate id "a"'],
  },
  {
    name: 'self dependency',
    board: 'name: self-dep\ntasks:\n  - { id: a, agent: "true", dependsOn: [a] }\n',
    expect: ['tasks[0].dependsOn[0]', 'depends on itself'],
  },
  {
    name: 'cycle',
    board:
      'name: cycle\ntasks:\n  - { id: a, agent: "true", dependsOn: [c] }\n  - { id: b, agent: "true", dependsOn: [a] }\n  - { id: c, agent: "true", dependsOn: [b] }\n',
    expect: ['a -> b -> c -> a'],
  },
  { name: 'empty board', board: 'name: empty\ntasks: []\n', expect: ['tasks', 'at least one task'] },
  {
    name: 'unsafe id',
    board: 'name: unsafe\ntasks:\n  - { id: "a b/../c", agent: "true" }\n',
    expect: ['tasks[0].id', 'not a safe id'],
  },
  {
    name: 'malformed YAML',
    board: 'name: broken\ntasks:\n  - id: a\n    agent: [unclosed\n',
    expect: ['broken.yaml:'],
  },
];

describe('todone run with bad input', () => {
  for (const c of cases) {
    it(`rejects a board with ${c.name}: exit 2, the problem named, nothing started`, async () => {
      const file = await writeBoard(
        c.name === 'malformed YAML' ? 'broken.yaml' : `${c.name.replace(/ /g, '-')}.yaml`,
        c.board,
      );
      const result = await runCli(['run', file], { env: env() });
      expect(result.exitCode).toBe(2);
      for (const fragment of c.expect) expect(result.stderr).toContain(fragment);
      expect(result.stdout).toBe('');
      const id = /^name: (\S+)/.exec(c.board)?.[1];
      if (id) await expectNoWorkflow(id);
    });
  }

  it('reports malformed JSON with its line number', async () => {
    const file = await writeBoard('broken.json', '{\n  "name": "j",\n  "tasks": [\n    { "id": "a", }\n  ]\n}\n');
    const result = await runCli(['run', file], { env: env() });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/broken\.json:4:\d+/);
  });

  it('reports a missing file', async () => {
    const result = await runCli(['run', path.join(dir, 'nope.yaml')], { env: env() });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('nope.yaml');
    expect(result.stderr).toMatch(/not found|no such/i);
  });

  it('lists every problem at once', async () => {
    const file = await writeBoard(
      'many.yaml',
      'name: many\nmaxParallel: 0\ntasks:\n  - { id: a, agent: "true", dependsOn: [zz] }\n  - { id: a, agent: "true", type: bogus }\n',
    );
    const result = await runCli(['run', file], { env: env() });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('maxParallel');
    expect(result.stderr).toContain('tasks[0].dependsOn[0]: unknown task "zz"');
    expect(result.stderr).toContain('tasks[1].id: duplicate id "a"');
    expect(result.stderr).toContain('tasks[1].type');
  });

  it('rejects git settings the git activities would refuse, before any workflow starts', async () => {
    await fs.mkdir(path.join(dir, 'git-settings-repo', '.git'), { recursive: true });
    const file = await writeBoard(
      'git-settings.yaml',
      'name: git-settings\nrepo: git-settings-repo\nbase: "a..b"\nworktrees: { copy: ["../x"], link: ["/abs"] }\n' +
        'integration: { author: { name: Ann, email: "<ann@example.com>" } }\ntasks:\n  - { id: a, agent: "true" }\n',
    );
    const result = await runCli(['run', file], { env: env() });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('base: must be a valid branch name');
    expect(result.stderr).toContain(
      'worktrees.copy[0]: must stay inside the repository (no ".." segments), got "../x" (line 4)',
    );
    expect(result.stderr).toContain('worktrees.link[0]: must be relative to the repository, not an absolute path');
    expect(result.stderr).toContain('integration.author.email: must not contain <, > or a newline');
    expect(result.stdout).toBe('');
    await expectNoWorkflow('git-settings');
  });

  it('rejects sandbox settings that would widen what a task may write or reach, naming each field', async () => {
    const file = await writeBoard(
      'widening.yaml',
      'name: widening\nworkdir: /\nwritable: [/, "~", relative/dir]\n' +
        'agent: { kind: shell, command: "true", env: { TMPDIR: /var/tmp } }\ntasks:\n  - { id: a, writable: [/srv/repo/.git/hooks] }\n',
    );
    const result = await runCli(['run', file], { env: env() });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('workdir: confined tasks write in the workdir, which must not be / ');
    expect(result.stderr).toContain('writable[0]: must not be / : that would make the whole filesystem writable');
    expect(result.stderr).toContain('writable[1]: must not be your home folder');
    expect(result.stderr).toContain('writable[2]: must be an absolute path or ~/…, got "relative/dir"');
    expect(result.stderr).toContain('agent.env.TMPDIR: a confined task gets its own private /tmp');
    expect(result.stderr).toContain('tasks[0].writable[0]: must not be inside a .git folder');
    expect(result.stdout).toBe('');
    await expectNoWorkflow('widening');

    const network = await writeBoard(
      'loopback.yaml',
      'name: loopback\nnetwork: { allow: ["127.0.0.1", "http://registry"] }\ntasks:\n  - { id: a, agent: "true" }\n',
    );
    const refused = await runCli(['run', network], { env: env() });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain("network.allow[0]: a service on the worker's own loopback needs its port");
    expect(refused.stderr).toContain('network.allow[1]: expected host or host:port (no scheme, path or user)');
    await expectNoWorkflow('loopback');
  });

  it('rejects a bad command-line option with exit 2', async () => {
    const file = await writeBoard('ok.yaml', 'name: ok\ntasks:\n  - { id: a, agent: "true" }\n');
    const result = await runCli(['run', file, '--max-parallel', 'four'], { env: env() });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('expected a positive integer, got "four"');
  });
});
