/**
 * The real coding-agent CLIs (Claude Code, Codex, Gemini CLI; devDependencies) run fully offline
 * against the scripted model server in tests/fixtures/model-server: each edits a file through the
 * tool it offers the model, reports usage, and gives up fast when the model API fails.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  claudeInvocation,
  codexInvocation,
  geminiInvocation,
  parseJsonLines,
  runCli,
  type CliOptions,
} from '../fixtures/model-server/clis.js';
import { startModelServer, type ModelScript, type ModelServer } from '../fixtures/model-server/server.js';

const CLI_TIMEOUT_MS = 15_000;
/** A 500 must end a run in seconds: retries are off, so anything near the timeout is a regression. */
const FAST_FAILURE_MS = 10_000;

const cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

interface Sandbox {
  server: ModelServer;
  options: CliOptions;
  work: string;
}

async function sandbox(script: ModelScript, prompt = 'Create hello.txt.'): Promise<Sandbox> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-agent-cli-'));
  cleanup.push(() => fs.rm(root, { recursive: true, force: true }));
  const work = path.join(root, 'work');
  const home = path.join(root, 'home');
  await fs.mkdir(work);
  await fs.mkdir(home);
  const server = await startModelServer({ ...script, cwd: work });
  cleanup.push(() => server.close());
  return { server, work, options: { serverUrl: server.url, cwd: work, home, prompt } };
}

const EDIT_SCRIPT: ModelScript = {
  turns: [
    {
      writeFile: { path: 'notes/hello.txt', content: 'it\'s "scripted"\nsecond line\n' },
      usage: { input: 1000, output: 50 },
    },
    { text: 'Wrote notes/hello.txt.', usage: { input: 1200, output: 30, cacheRead: 400 } },
  ],
};
const EXPECTED_CONTENT = 'it\'s "scripted"\nsecond line\n';

function describeFailure(result: { code: number | null; stdout: string; stderr: string }): string {
  return `exit ${result.code}\nstdout:\n${result.stdout.slice(-2000)}\nstderr:\n${result.stderr.slice(-2000)}`;
}

describe('claude -p', () => {
  it('edits a file through the Write tool and reports usage and cost', async () => {
    const { server, work, options } = await sandbox(EDIT_SCRIPT);
    const result = await runCli(await claudeInvocation(options), CLI_TIMEOUT_MS);

    expect(result.code, describeFailure(result)).toBe(0);
    expect(await fs.readFile(path.join(work, 'notes/hello.txt'), 'utf8')).toBe(EXPECTED_CONTENT);

    const output = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(output).toMatchObject({
      type: 'result',
      subtype: 'success',
      is_error: false,
      result: 'Wrote notes/hello.txt.',
      num_turns: 2,
      stop_reason: 'end_turn',
      permission_denials: [],
      usage: { input_tokens: 2200, output_tokens: 80, cache_read_input_tokens: 400, cache_creation_input_tokens: 0 },
    });
    expect(output.session_id).toEqual(expect.any(String));
    expect(output.total_cost_usd).toBeGreaterThan(0);
    expect(output.duration_ms).toEqual(expect.any(Number));
    expect(output.modelUsage).toEqual(expect.any(Object));

    const turns = server.turnRequests();
    expect(turns.map((request) => request.turnIndex)).toEqual([0, 1]);
    expect(turns.every((request) => request.protocol === 'anthropic' && request.url.startsWith('/v1/messages'))).toBe(
      true,
    );
    // The second request carries the tool result: the CLI really ran the Write call.
    expect(JSON.stringify(turns[1]!.body)).toContain('tool_result');
  });

  it('runs a scripted shell command through Bash once Bash is allowed', async () => {
    const { work, options } = await sandbox({ turns: [{ bash: 'echo from-bash > bash.txt' }, { text: 'ran it' }] });
    const result = await runCli(
      await claudeInvocation({ ...options, extraArgs: ['--allowedTools', 'Bash'] }),
      CLI_TIMEOUT_MS,
    );

    expect(result.code, describeFailure(result)).toBe(0);
    expect(await fs.readFile(path.join(work, 'bash.txt'), 'utf8')).toBe('from-bash\n');
    expect(JSON.parse(result.stdout)).toMatchObject({ result: 'ran it', permission_denials: [] });
  });

  it('exits non-zero within seconds when the API answers 500', async () => {
    const { server, options } = await sandbox({ turns: [{ fail: 500 }] });
    const result = await runCli(await claudeInvocation(options), CLI_TIMEOUT_MS);

    expect(result.timedOut).toBe(false);
    expect(result.code, describeFailure(result)).not.toBe(0);
    expect(result.durationMs).toBeLessThan(FAST_FAILURE_MS);
    expect(JSON.parse(result.stdout)).toMatchObject({ type: 'result', is_error: true, api_error_status: 500 });
    expect(server.turnRequests()).toHaveLength(1);
  });
});

describe('codex exec --json', () => {
  // The default model gets "code mode" (a freeform `exec` tool running JS); an unknown model name
  // gets plain function tools (`exec_command`). Adapters may meet either.
  it.each([
    { label: 'default model (code mode exec tool)', model: undefined, tool: 'exec' },
    { label: 'unknown model (exec_command function)', model: 'model-server-1', tool: 'exec_command' },
  ])('edits a file via the shell and reports usage: $label', async ({ model, tool }) => {
    const { server, work, options } = await sandbox(EDIT_SCRIPT);
    const result = await runCli(await codexInvocation({ ...options, model }), CLI_TIMEOUT_MS);

    expect(result.code, describeFailure(result)).toBe(0);
    expect(await fs.readFile(path.join(work, 'notes/hello.txt'), 'utf8')).toBe(EXPECTED_CONTENT);

    const events = parseJsonLines(result.stdout);
    const types = events.map((event) => event.type);
    expect(types[0]).toBe('thread.started');
    expect(types).toEqual(expect.arrayContaining(['turn.started', 'item.started', 'item.completed', 'turn.completed']));
    expect(typeof events.find((event) => event.type === 'thread.started')?.thread_id).toBe('string');
    expect(events.find((event) => event.type === 'turn.completed')).toMatchObject({
      usage: { input_tokens: 2200, output_tokens: 80, cached_input_tokens: 400, reasoning_output_tokens: 0 },
    });
    const items = events
      .filter((event) => event.type === 'item.completed')
      .map((event) => event.item as Record<string, unknown>);
    expect(items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'command_execution', exit_code: 0, status: 'completed' }),
        expect.objectContaining({ type: 'agent_message', text: 'Wrote notes/hello.txt.' }),
      ]),
    );

    const turns = server.turnRequests();
    expect(turns.map((request) => request.turnIndex)).toEqual([0, 1]);
    expect(turns.every((request) => request.protocol === 'openai-responses' && request.url === '/v1/responses')).toBe(
      true,
    );
    expect(JSON.stringify(turns[1]!.body)).toContain(
      tool === 'exec' ? 'custom_tool_call_output' : 'function_call_output',
    );
  });

  it('exits non-zero within seconds when the API answers 500', async () => {
    const { server, options } = await sandbox({ turns: [{ fail: 500 }] });
    const result = await runCli(await codexInvocation(options), CLI_TIMEOUT_MS);

    expect(result.timedOut).toBe(false);
    expect(result.code, describeFailure(result)).not.toBe(0);
    expect(result.durationMs).toBeLessThan(FAST_FAILURE_MS);
    expect(parseJsonLines(result.stdout).map((event) => event.type)).toContain('turn.failed');
    expect(server.turnRequests()).toHaveLength(1);
  });
});

describe('gemini -p', () => {
  it('edits a file through write_file and reports token stats', async () => {
    const { server, work, options } = await sandbox(EDIT_SCRIPT);
    const result = await runCli(await geminiInvocation(options), CLI_TIMEOUT_MS);

    expect(result.code, describeFailure(result)).toBe(0);
    expect(await fs.readFile(path.join(work, 'notes/hello.txt'), 'utf8')).toBe(EXPECTED_CONTENT);

    const output = JSON.parse(result.stdout) as {
      response?: string;
      session_id?: string;
      stats?: { models?: Record<string, { roles?: Record<string, { tokens?: unknown }> }> };
    };
    expect(output.response).toBe('Wrote notes/hello.txt.');
    expect(output.session_id).toEqual(expect.any(String));
    const mainTokens = Object.values(output.stats?.models ?? {}).flatMap((model) =>
      model.roles?.main ? [model.roles.main.tokens] : [],
    );
    expect(mainTokens).toEqual([
      expect.objectContaining({ prompt: 2200, input: 1800, candidates: 80, cached: 400, total: 2280 }),
    ]);

    const turns = server.turnRequests();
    expect(turns.map((request) => request.turnIndex)).toEqual([0, 1]);
    expect(
      turns.every((request) => request.protocol === 'gemini' && request.url.includes(':streamGenerateContent')),
    ).toBe(true);
  });

  it('exits non-zero within seconds when the API answers 500', async () => {
    const { server, options } = await sandbox({ turns: [{ fail: 500 }] });
    const result = await runCli(await geminiInvocation(options), CLI_TIMEOUT_MS);

    expect(result.timedOut).toBe(false);
    expect(result.code, describeFailure(result)).not.toBe(0);
    expect(result.durationMs).toBeLessThan(FAST_FAILURE_MS);
    expect(server.turnRequests()).toHaveLength(1);
  });
});

describe('model server', () => {
  const anthropicBody = (messages: unknown[]) => ({
    model: 'm',
    stream: false,
    tools: [{ name: 'Write', input_schema: { properties: { file_path: {}, content: {} } } }],
    messages,
  });

  async function post(
    server: ModelServer,
    url: string,
    body: unknown,
  ): Promise<{ status: number; json: Record<string, unknown> }> {
    const response = await fetch(`${server.url}${url}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  it('follows the conversation history, so retries replay a turn and failures are consumed', async () => {
    const { server, work } = await sandbox({
      turns: [{ fail: 503 }, { writeFile: { path: 'a.txt', content: 'x' } }, { text: 'done' }],
    });
    expect((await post(server, '/v1/messages', anthropicBody([{ role: 'user', content: 'go' }]))).status).toBe(503);

    const first = await post(server, '/v1/messages', anthropicBody([{ role: 'user', content: 'go' }]));
    expect(first.json).toMatchObject({
      stop_reason: 'tool_use',
      content: [{ type: 'tool_use', name: 'Write', input: { file_path: path.join(work, 'a.txt'), content: 'x' } }],
    });
    // Same history again (a client retry) gets the same turn rather than skipping ahead.
    expect((await post(server, '/v1/messages', anthropicBody([{ role: 'user', content: 'go' }]))).json).toMatchObject({
      stop_reason: 'tool_use',
    });

    const history = [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: first.json.content },
      { role: 'user', content: 'ok' },
    ];
    expect((await post(server, '/v1/messages', anthropicBody(history))).json).toMatchObject({
      stop_reason: 'end_turn',
      content: [{ type: 'text', text: 'done' }],
    });
    expect(server.turnRequests().map((request) => request.turnIndex)).toEqual([0, 1, 1, 2]);
  });

  it("speaks Chat Completions with Aider's whole-file edit format, advancing per request", async () => {
    const { server } = await sandbox({
      turns: [{ writeFile: { path: 'src/a.md', content: 'has ``` inside' } }, { text: 'done' }],
    });
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', stream: true, messages: [] }),
    });
    const data = (await response.text())
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => line.slice(6));
    expect(data.at(-1)).toBe('[DONE]');
    const first = JSON.parse(data[0]!) as { choices: { delta: { content: string } }[] };
    expect(first.choices[0]!.delta.content).toBe('src/a.md\n````\nhas ``` inside\n````\n');
    expect((await post(server, '/v1/chat/completions', { model: 'm', messages: [] })).json).toMatchObject({
      choices: [{ message: { content: 'done' } }],
    });
  });

  it('answers side requests without consuming the script, and close() ends hung turns', async () => {
    const { server } = await sandbox({ turns: [{ hang: true }] });
    expect(typeof (await post(server, '/v1/messages/count_tokens', { messages: [] })).json.input_tokens).toBe('number');
    expect((await post(server, '/v1/messages', { model: 'm', messages: [] })).json).toMatchObject({
      content: [{ type: 'text', text: 'ok' }],
    });

    const hung = fetch(`${server.url}/v1/responses`, { method: 'POST', body: JSON.stringify({ input: [] }) }).then(
      (response) => response.text(),
    );
    await expect.poll(() => server.turnRequests().length).toBe(1);
    await server.close();
    await expect(hung).rejects.toThrow();
    expect(server.requests.map((request) => request.kind)).toEqual(['side', 'side', 'turn']);
  });
});
