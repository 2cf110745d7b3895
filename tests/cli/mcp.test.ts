/**
 * `todone mcp` driven by a real MCP client (the official SDK's Client over stdio), against the
 * suite's dev server: the tools are listed, bad boards are refused with the loader's problems,
 * boards are started, followed, read, cancelled and added to, and nothing but the protocol ever
 * reaches stdout.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startMcp, type McpSession } from '../support/mcp-client.js';
import { waitFor } from '../support/wait-for.js';

let dir: string;
let mcp: McpSession;
const home = () => path.join(dir, 'home');

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-mcp-'));
  mcp = await startMcp({
    cwd: dir,
    env: {
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TODONE_HOME: home(),
      // Its own queue: workers of other test files never take these boards.
      TODONE_TASK_QUEUE: `mcp-${randomUUID()}`,
    },
  });
});

afterAll(async () => {
  await mcp?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

async function board(name: string, tasks: string): Promise<{ file: string; id: string }> {
  const id = `${name}-${randomUUID().slice(0, 8)}`;
  const file = path.join(dir, `${id}.yaml`);
  await fs.writeFile(file, `name: ${id}\nmaxParallel: 2\nretry: { maxAttempts: 1 }\ntasks:\n${tasks}`);
  return { file, id };
}

interface Status {
  board: string;
  state: string;
  seq?: number;
  counts: Record<string, number>;
  tasks: { id: string; state: string; reason?: string }[];
}

describe('todone mcp', () => {
  it('lists its tools, each with a description and an input schema', async () => {
    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      [
        'draft_board',
        'validate_board',
        'plan_board',
        'start_board',
        'wait_board',
        'board_status',
        'task_log',
        'board_report',
        'cancel_board',
        'cancel_task',
        'retry_tasks',
        'approve_task',
        'reject_task',
        'add_tasks',
        'pause_board',
        'resume_board',
        'set_max_parallel',
        'land_board',
      ].sort(),
    );
    for (const tool of tools) {
      expect(tool.description?.length, tool.name).toBeGreaterThan(40);
      expect(tool.inputSchema.type, tool.name).toBe('object');
    }
    const start = tools.find((t) => t.name === 'start_board')!;
    expect(Object.keys(start.inputSchema.properties ?? {})).toEqual(
      expect.arrayContaining(['path', 'document', 'baseDir', 'maxParallel', 'fresh']),
    );
  });

  it('validates a bad board: every problem with its path and line, as the loader words it', async () => {
    const { file } = await board(
      'bad',
      '  - { id: a, agent: "true", dependsOn: [zz] }\n  - { id: a, type: bogus, agent: "true" }\n',
    );
    const answer = await mcp.call<{ valid: boolean; problems: { path: string; message: string }[] }>('validate_board', {
      path: path.basename(file),
    });
    expect(answer.valid).toBe(false);
    const byPath = new Map(answer.problems.map((p) => [p.path, p.message]));
    expect(byPath.get('tasks[0].dependsOn[0]')).toBe('unknown task "zz" (line 5)');
    expect(byPath.get('tasks[1].type')).toContain('got "bogus" (line 6)');
    expect(byPath.get('tasks[1].id')).toContain('duplicate id "a"');
    // A document is checked the same way, its lines counted in the text.
    const doc = await mcp.call<{ valid: boolean; problems: { path: string; message: string }[] }>('validate_board', {
      document: 'name: d\nmaxParallel: 0\ntasks:\n  - { id: x, agent: "true" }\n',
    });
    expect(doc.problems).toEqual([{ path: 'maxParallel', message: 'expected a positive integer, got 0 (line 2)' }]);
    const good = await mcp.call('validate_board', { document: { name: 'fine', agent: 'true', tasks: [{ id: 'x' }] } });
    expect(good).toMatchObject({ valid: true, board: 'fine', tasks: 1 });
  });

  it('refuses bad arguments and bad boards without starting anything', async () => {
    const both = await mcp.refused('validate_board', { path: 'x.yaml', document: 'name: x' });
    expect(both.text).toContain('document: give either path or document (not both)');
    const typed = await mcp.refused('board_status', { board: 'x', limit: -3 });
    expect(typed.text).toMatch(/limit/);

    const { file, id } = await board('never', '  - { id: a, agent: "true", dependsOn: [a] }\n');
    const start = await mcp.refused('start_board', { path: file });
    expect(start.value.problems).toEqual([expect.objectContaining({ path: 'tasks[0].dependsOn[0]' })]);
    const status = await mcp.refused('board_status', { board: id });
    expect(status.text).toContain(`no board "${id}" found`);
    const wait = await mcp.refused('wait_board', { board: `nothing-${randomUUID()}`, timeoutSeconds: 1 });
    expect(wait.text).toMatch(/no board "nothing-[\w-]+" found/);
  });

  it('starts a board, follows it with board_status until completed, and reads a task log', async () => {
    const { file, id } = await board(
      'followed',
      '  - { id: a, agent: "echo hello-from-a; sleep 0.5" }\n' +
        '  - { id: b, agent: "true", dependsOn: [a] }\n' +
        '  - { id: c, agent: "echo c" }\n',
    );
    const started = await mcp.call<{ board: string; tasks: number; run: string; worker: string }>('start_board', {
      path: path.basename(file),
    });
    expect(started).toMatchObject({ board: id, tasks: 3, run: 'started' });
    expect(started.worker).toContain('this server runs its tasks');

    let seq: number | undefined;
    const seen = new Set<string>();
    const final = await waitFor(
      `board ${id} to complete through board_status`,
      async () => {
        const status = await mcp.call<Status>('board_status', {
          board: id,
          ...(seq !== undefined ? { changedSince: seq } : {}),
        });
        for (const task of status.tasks) seen.add(`${task.id}:${task.state}`);
        seq = status.seq ?? seq;
        return status.state === 'completed' ? status : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(final.counts).toMatchObject({ total: 3, succeeded: 3, failed: 0 });
    // Followed with changedSince: the running states were seen on the way.
    expect(seen.has('a:running') || seen.has('a:succeeded')).toBe(true);

    const log = await mcp.call<{ found: boolean; text: string; path: string }>('task_log', { board: id, task: 'a' });
    expect(log.found).toBe(true);
    expect(log.text).toContain('hello-from-a');

    const report = await mcp.call<{ markdown: string }>('board_report', { board: file });
    expect(report.markdown).toContain(`Board \`${id}\` is completed`);

    // The task's folder is the task's to write: a log it replaced with a link is not followed.
    const secret = path.join(dir, 'secret.txt');
    await fs.writeFile(secret, 'TOP-SECRET-CONTENT\n');
    await fs.rm(log.path);
    await fs.symlink(secret, log.path);
    const linked = await mcp.call<{ found: boolean; message: string }>('task_log', { board: id, task: 'a' });
    expect(linked.found).toBe(false);
    expect(linked.message).toContain('symbolic link');
    expect(JSON.stringify(linked)).not.toContain('TOP-SECRET');

    const missing = await mcp.call<{ found: boolean; message: string }>('task_log', { board: id, task: 'zz' });
    expect(missing).toMatchObject({ found: false, message: `board "${id}" has no task "zz"` });
  });

  it('cancels a second board while its task runs; wait_board answers progress, then the result', async () => {
    const marker = path.join(dir, `long-started-${randomUUID().slice(0, 8)}`);
    const { id } = await board(
      'cancelled',
      `  - { id: long, agent: "touch ${marker}; sleep 120" }\n  - { id: after, agent: "true", dependsOn: [long] }\n`,
    );
    await mcp.call('start_board', { path: `${id}.yaml` });
    await waitFor(
      'the long task to start',
      () =>
        fs.access(marker).then(
          () => true,
          () => false,
        ),
      { timeoutMs: 60_000 },
    );

    const early = await mcp.call<{ finished: boolean; counts: Record<string, number> }>('wait_board', {
      board: id,
      timeoutSeconds: 1,
    });
    expect(early.finished).toBe(false);
    expect(early.counts.running).toBe(1);

    const cancelled = await mcp.call<{ cancelled: boolean }>('cancel_board', { board: id, reason: 'from the test' });
    expect(cancelled.cancelled).toBe(true);
    const result = await mcp.call<{ finished: boolean; state: string; counts: Record<string, number> }>('wait_board', {
      board: id,
      timeoutSeconds: 60,
    });
    expect(result).toMatchObject({ finished: true, state: 'cancelled' });
    expect(result.counts.succeeded).toBe(0);
    const again = await mcp.call<{ cancelled: boolean; message: string }>('cancel_board', { board: id });
    expect(again).toMatchObject({ cancelled: false, message: 'not running (COMPLETED): nothing to cancel' });
  });

  it("adds a task to a third board while it runs; duplicates are refused with the loader's message", async () => {
    const gate = path.join(dir, `gate-${randomUUID().slice(0, 8)}`);
    const added = path.join(dir, `added-${randomUUID().slice(0, 8)}`);
    const { file, id } = await board(
      'grown',
      `  - { id: gate, agent: "while [ ! -f ${gate} ]; do sleep 0.1; done" }\n`,
    );
    await mcp.call('start_board', { path: file });

    const duplicate = await mcp.refused('add_tasks', { board: file, tasks: [{ id: 'gate', agent: 'true' }] });
    const problems = duplicate.value.problems as { path: string; message: string }[];
    expect(problems.map((p) => p.path)).toEqual(['[0].id']);
    expect(problems[0]!.message).toContain('duplicate id "gate" (already on the board)');

    const answer = await mcp.call<{ added: string[] }>('add_tasks', {
      board: file,
      tasks: `- { id: extra, agent: "echo added > ${added}", dependsOn: [gate] }\n`,
    });
    expect(answer.added).toEqual(['extra']);
    await fs.writeFile(gate, '');
    const result = await mcp.call<{ state: string; counts: Record<string, number> }>('wait_board', {
      board: id,
      timeoutSeconds: 60,
    });
    expect(result).toMatchObject({ state: 'completed', counts: { total: 2, succeeded: 2 } });
    expect(await fs.readFile(added, 'utf8')).toBe('added\n');
  });

  it('decides at an approval gate: a rejection needs a reason and reaches the next run, an approval lets the work in', async () => {
    const runs = path.join(dir, `gated-runs-${randomUUID().slice(0, 8)}`);
    const shipped = path.join(dir, `shipped-${randomUUID().slice(0, 8)}`);
    const { id } = await board(
      'gated',
      `  - { id: build, approval: required, agent: 'echo "$TODONE_FEEDBACK" >> ${runs}' }\n` +
        `  - { id: ship, dependsOn: [build], agent: "touch ${shipped}" }\n`,
    );
    await mcp.call('start_board', { path: `${id}.yaml` });
    const waiting = (attempts: number) =>
      waitFor(
        `build to wait for approval after run ${attempts}`,
        async () => {
          const status = await mcp.call<{
            tasks: { id: string; state: string; attempts?: number; approval?: unknown; sentBack?: unknown }[];
          }>('board_status', {
            board: id,
          });
          // A first attempt's count is left out of the compact answer.
          return status.tasks.find(
            (t) => t.id === 'build' && t.state === 'awaiting-approval' && (t.attempts ?? 1) === attempts,
          );
        },
        { timeoutMs: 60_000 },
      );
    const first = await waiting(1);
    const gate = first.approval as { gate: string; since: string };
    expect(gate.gate).toBe('after');
    expect(Date.parse(gate.since)).toBeGreaterThan(0);

    // Refused by name before anything reaches the board: no reason, a blank one, one too long.
    for (const bad of [{}, { comment: '  ' }, { comment: 'x'.repeat(9_000) }]) {
      const refused = await mcp.refused('reject_task', { board: id, task: 'build', ...bad });
      expect(refused.text, JSON.stringify(bad).slice(0, 40)).toMatch(/comment/);
    }
    // The board's own refusal: a task that is not waiting.
    const notWaiting = await mcp.refused('approve_task', { board: id, task: 'ship' });
    expect(notWaiting.text).toContain('task "ship" is pending: only a task waiting for approval');

    const comment = 'Say "hello", not $HELLO.';
    const sent = await mcp.call<{ state: string; message: string }>('reject_task', {
      board: id,
      task: 'build',
      comment,
    });
    expect(sent.state).toBe('pending');
    expect(sent.message).toContain('sent back');
    const second = await waiting(2);
    const sentBack = second.sentBack as { from: string; comment: string };
    expect(sentBack.comment).toBe(comment);
    expect(sentBack.from).toMatch(/^rejected by .+ via mcp$/);
    expect(await fs.readFile(runs, 'utf8')).toBe(`\n${comment}\n`);
    const approved = await mcp.call<{ state: string }>('approve_task', { board: id, task: 'build', comment: 'fine' });
    expect(approved.state).toBe('running');
    const result = await mcp.call<{ state: string; counts: Record<string, number> }>('wait_board', {
      board: id,
      timeoutSeconds: 60,
    });
    expect(result).toMatchObject({ state: 'completed', counts: { succeeded: 2 } });
    await fs.access(shipped);
    // The report counts the wait for people apart from other waits.
    const report = await mcp.call<{ markdown: string }>('board_report', { board: id });
    expect(report.markdown).toMatch(/Waiting for people \(approval gates\): \d+m?s \(build /);
  });

  it('drafts a board with an agent command: the problems of its first draft go back, the valid one is saved', async () => {
    const repo = path.join(dir, 'drafted-repo');
    await fs.mkdir(path.join(repo, 'src'), { recursive: true });
    await fs.writeFile(path.join(repo, 'src', 'a.js'), 'export const a = 1;\n');
    const agent = fileURLToPath(new URL('../fixtures/draft-agent/agent.mjs', import.meta.url));
    const answer = await mcp.call<{
      written: string;
      attempts: number;
      plan: { tasks: number; criticalPath: { ids: string[] }; sameFiles: { file: string; tasks: string[] }[] };
    }>('draft_board', {
      goal: 'Parse and format input',
      repo: 'drafted-repo',
      command: [process.execPath, agent, '{promptFile}'],
      output: 'drafted-repo/board.yaml',
    });
    expect(answer).toMatchObject({ written: path.join(repo, 'board.yaml'), attempts: 2 });
    expect(answer.plan.criticalPath.ids).toEqual(['parser', 'docs']);
    expect(answer.plan.sameFiles).toEqual([{ file: 'src/a.js', tasks: ['parser', 'format'] }]);
    const valid = await mcp.call<{ valid: boolean }>('validate_board', { path: 'drafted-repo/board.yaml' });
    expect(valid.valid).toBe(true);

    const again = await mcp.refused('draft_board', {
      goal: 'again',
      repo: 'drafted-repo',
      command: [process.execPath, agent, '{promptFile}'],
      output: 'drafted-repo/board.yaml',
    });
    expect(again.text).toContain('board.yaml exists: give another file');
  });

  it('refuses hostile arguments by name: control characters, wrong types, oversized documents', async () => {
    const nul = await mcp.refused('board_status', { board: 'a\u0000b' });
    expect(nul.text).toContain('no board "a');
    const typed = await mcp.refused('validate_board', { document: 42 });
    expect(typed.text).toMatch(/document/);
    const negative = await mcp.refused('wait_board', { board: 'x', timeoutSeconds: -1 });
    expect(negative.text).toMatch(/timeoutSeconds/);
    const line = `  - { id: t, description: "${'x'.repeat(1_000)}" }\n`;
    const huge = `name: huge\nagent: "true"\ntasks:\n${line.repeat(3_000)}`;
    const big = await mcp.refused('validate_board', { document: huge });
    expect(big.text).toMatch(/document: \d+ bytes, over the 2097152-byte limit of a board sent inline/);
    // Thousands of problems: the answer lists the first 50 and counts the rest.
    const many = await mcp.call<{ valid: boolean; problems: unknown[]; moreProblems: number; message: string }>(
      'validate_board',
      { document: `name: many\ntasks:\n${'  - { id: same }\n'.repeat(2_000)}` },
    );
    expect(many.problems).toHaveLength(50);
    expect(many.moreProblems).toBeGreaterThan(2_000);
    expect(many.message).toMatch(/^the board document is invalid \(\d+ problems, the first 50 shown\):/);
    expect(JSON.stringify(many).length).toBeLessThan(20_000);
    const missing = await mcp.call<{ valid: boolean; problems: { message: string }[] }>('validate_board', {
      path: 'no/such/board.yaml',
    });
    expect(missing.problems[0]!.message).toContain('file not found');
    // The server is still there, and still answers.
    expect((await mcp.client.listTools()).tools.length).toBe(18);
  });

  it('keeps stdout for the protocol alone', () => {
    expect(mcp.errors).toEqual([]);
    expect(mcp.stderr()).not.toMatch(/^\s+at .+[:(]/m);
  });
});
