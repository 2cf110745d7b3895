/**
 * The command line loads a command's module only when that command runs: `todone --version` took
 * 0.8 s when every command (the MCP SDK, the web board, the report's renderer) was imported up
 * front, and every `todone run` paid for all of them. A static import of a command here brings that back.
 */
import fs from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

describe('the command line', () => {
  it('imports no command module up front, only types from them', async () => {
    const source = await fs.readFile(new URL('../../src/cli/main.ts', import.meta.url), 'utf8');
    const eager = source
      .split('\n')
      .filter((line) => /^import\s/.test(line) && !/^import type\s/.test(line))
      .filter((line) => /from '\.\/commands\/|from '\.\.\/(board|mcp|ui|report|draft|server|client)\//.test(line))
      // A list of names for the help, nothing more.
      .filter((line) => !line.endsWith("from '../draft/draft-agents.js';"));
    expect(eager).toEqual([]);
    // Each command is still reached: one lazy import per command module.
    const lazy = new Set([...source.matchAll(/await import\('(\.\/commands\/[a-z-]+\.js)'\)/g)].map((m) => m[1]));
    const modules = (await fs.readdir(new URL('../../src/cli/commands/', import.meta.url))).filter((f) =>
      f.endsWith('.ts'),
    );
    expect(lazy.size).toBeGreaterThanOrEqual(20);
    for (const file of lazy) expect(modules).toContain(file!.replace('./commands/', '').replace(/\.js$/, '.ts'));
  });
});
