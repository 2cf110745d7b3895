/**
 * A real MCP client (the official SDK's Client over its stdio transport) talking to the built
 * `todone mcp` as a child process, the way Claude Code, Codex or Gemini CLI start it.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { expect } from 'vitest';
import { TODONE_BIN } from './cli.js';

export interface McpSession {
  client: Client;
  /** Everything the server wrote on stderr so far. */
  stderr(): string;
  /** Protocol errors the client saw (a stray line on stdout is one). */
  errors: Error[];
  /** The server process, to kill it mid-board. */
  pid: number | null;
  /** Calls a tool asking for progress notifications; returns the answer and the notifications seen. */
  callWithProgress(
    name: string,
    args: Record<string, unknown>,
  ): Promise<{ value: Record<string, unknown>; progress: { progress: number; total?: number; message?: string }[] }>;
  /** Calls a tool and returns its structured answer, failing the test when the tool refused. */
  call<T = Record<string, unknown>>(name: string, args: Record<string, unknown>): Promise<T>;
  /** Calls a tool that is expected to refuse: its text and structured answer. */
  refused(name: string, args: Record<string, unknown>): Promise<{ text: string; value: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startMcp(options: {
  env: Record<string, string>;
  cwd: string;
  args?: string[];
}): Promise<McpSession> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [TODONE_BIN, 'mcp', ...(options.args ?? [])],
    // Only what the test names, PATH and HOME: never a cluster address or key of the machine's.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/', NO_COLOR: '1', ...options.env },
    cwd: options.cwd,
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const errors: Error[] = [];
  const client = new Client({ name: 'todone-test', version: '1.0.0' });
  client.onerror = (error) => errors.push(error);
  await client.connect(transport);
  const callRaw = async (name: string, args: Record<string, unknown>) =>
    (await client.callTool({ name, arguments: args })) as CallToolResult;
  const textOf = (result: CallToolResult) =>
    result.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
  return {
    client,
    stderr: () => stderr,
    errors,
    pid: transport.pid,
    async callWithProgress(name: string, args: Record<string, unknown>) {
      const progress: { progress: number; total?: number; message?: string }[] = [];
      const result = (await client.callTool({ name, arguments: args }, undefined, {
        onprogress: (event) => progress.push(event),
      })) as CallToolResult;
      if (result.isError) throw new Error(`${name} refused: ${textOf(result)}`);
      return { value: result.structuredContent ?? {}, progress };
    },
    async call<T>(name: string, args: Record<string, unknown>) {
      const result = await callRaw(name, args);
      if (result.isError) throw new Error(`${name} refused: ${textOf(result)}\nserver stderr:\n${stderr.slice(-3000)}`);
      // The text is the same answer, for clients that read only text.
      expect(JSON.parse(textOf(result))).toEqual(result.structuredContent);
      return result.structuredContent as T;
    },
    async refused(name: string, args: Record<string, unknown>) {
      const result = await callRaw(name, args);
      if (!result.isError) throw new Error(`${name} was expected to refuse, answered ${textOf(result)}`);
      return { text: textOf(result), value: result.structuredContent ?? {} };
    },
    close: () => client.close(),
  };
}
