/** What an agent is told: the task, the board's goal, its dependencies' work, the checks, and why a retry happens. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREVIOUS_VALIDATION_BYTES, validationLogPath, writePrompt } from '../../activities/agents/prompt-file.js';
import { buildPrompt, type PromptInput } from '../../activities/agents/prompt.js';
import { VALIDATION_FAILED_MARKER } from '../../activities/process/validation.js';
import type { RunTaskInput } from '../../activities/types.js';

const BASE: PromptInput = {
  taskId: 'parser',
  type: 'build',
  description: 'Write the parser in src/parse.ts.',
  worktree: '/wt/parser',
  committedByTodone: true,
};

describe('buildPrompt', () => {
  it('holds the task, goal, dependencies, checks and rules, in that order', () => {
    const prompt = buildPrompt({
      ...BASE,
      goal: 'A calculator CLI.',
      dependencies: [
        {
          id: 'lexer',
          description: 'Write the lexer.',
          summary: 'Added a tokenizer with tests.',
          files: ['src/lex.ts', 'test/lex.test.ts'],
        },
        { id: 'types', description: 'Shared types', files: [] },
      ],
      validate: [
        { run: 'npm run build', required: true },
        { run: 'npm run lint', required: false },
      ],
    });
    expect(prompt).toMatch(
      /^# Task parser \(build\)\n\nWrite the parser in src\/parse\.ts\.\n\n## Goal of the whole board\n\nA calculator CLI\.\n/,
    );
    expect(prompt).toContain(
      '### lexer: Write the lexer.\n\nAdded a tokenizer with tests.\n\nFiles it changed:\n- src/lex.ts\n- test/lex.test.ts',
    );
    expect(prompt).toContain('### types: Shared types');
    expect(prompt).toContain('- `npm run build`\n- `npm run lint` (advisory: reported, not required)');
    expect(prompt).toContain('Work only inside /wt/parser.');
    expect(prompt).toContain('Do not commit');
    const order = ['# Task', '## Goal', '## Work already done', '## How your work is checked', '## Rules'].map((h) =>
      prompt.indexOf(h),
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(prompt).not.toContain('previous attempt');
  });

  it('leaves out what it does not have, and says nothing about commits outside git mode', () => {
    const prompt = buildPrompt({ ...BASE, description: '', committedByTodone: false });
    expect(prompt).not.toMatch(/## (Goal|Work already done|How your work is checked)/);
    expect(prompt).not.toContain('Do not commit');
    expect(prompt).toContain('(no description');
  });

  it('quotes the previous validation output in a fence it cannot close', () => {
    const output = 'FAIL src/parse.test.ts\n```\nExpected 3, got 4\n';
    const prompt = buildPrompt({ ...BASE, previousValidation: { attempt: 1, output } });
    expect(prompt).toContain('## The previous attempt failed its checks');
    expect(prompt).toContain('Attempt 1 finished');
    expect(prompt).toContain('````text\nFAIL src/parse.test.ts\n```\nExpected 3, got 4\n````');
  });

  it('keeps a check with backticks readable as inline code', () => {
    const prompt = buildPrompt({ ...BASE, validate: [{ run: 'test "`cat VERSION`" = 1.2', required: true }] });
    expect(prompt).toContain('- `` test "`cat VERSION`" = 1.2 ``');
  });

  it('names conflicted files and caps long file lists', () => {
    const files = Array.from({ length: 60 }, (_, i) => `src/f${i}.ts`);
    const prompt = buildPrompt({
      ...BASE,
      conflictFiles: ['src/a.ts', 'README.md'],
      dependencies: [{ id: 'big', description: '', files }],
    });
    expect(prompt).toContain('merge conflict');
    expect(prompt).toContain('- src/a.ts\n- README.md');
    expect(prompt).toContain('- src/f49.ts\n- … and 10 more');
    expect(prompt).not.toContain('src/f50.ts');
  });
});

describe('writePrompt', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'todone-prompt-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const input: RunTaskInput = {
    boardId: 'b',
    taskId: 'parser',
    type: 'build',
    description: 'Write the parser.',
    workdir: '/wt/parser',
    agent: { kind: 'claude', args: [], env: {} },
    goal: 'A calculator.',
    validate: [{ run: 'npm test', required: true }],
    env: { TODONE_CONFLICT_FILES: 'src/a.ts\nsrc/b.ts' },
  };

  it('writes prompt-<attempt>.md with the end of the previous attempt’s failed checks', async () => {
    const early = 'EARLY-LINE-THAT-FALLS-OFF\n';
    const log = `${early}${'noise\n'.repeat(PREVIOUS_VALIDATION_BYTES / 6)}$ npm test\nFAIL: expected 3\n[todone] exit 1\n\n${VALIDATION_FAILED_MARKER} npm test\n`;
    await fs.writeFile(validationLogPath(dir, 1), log);
    const { prompt, promptFile } = await writePrompt(input, dir, 2);
    expect(promptFile).toBe(path.join(dir, 'prompt-2.md'));
    expect(await fs.readFile(promptFile, 'utf8')).toBe(prompt);
    expect(prompt).toContain('FAIL: expected 3');
    expect(prompt).not.toContain('EARLY-LINE');
    expect(prompt).toContain('A calculator.');
    expect(prompt).toContain('- src/a.ts\n- src/b.ts');
  });

  it('quotes no checks on a first attempt, nor a log whose checks did not fail', async () => {
    expect((await writePrompt(input, dir, 1)).prompt).not.toContain('previous attempt');
    await fs.writeFile(validationLogPath(dir, 4), '$ npm test\nhalf way when the worker died\n');
    expect((await writePrompt(input, dir, 5)).prompt).not.toContain('half way');
  });
});

describe('a confined task’s prompt', () => {
  it('says where it may write, that /tmp does not last, and what its network reaches', () => {
    const base = {
      taskId: 't',
      type: 'build' as const,
      description: 'Do it.',
      worktree: '/w',
      committedByTodone: false,
    };
    expect(buildPrompt(base)).not.toContain('sandbox');
    const filtered = buildPrompt({ ...base, confined: { network: 'filtered' } });
    expect(filtered).toContain('you may write only /tmp, which is private and emptied when you finish');
    expect(filtered).toContain('$TODONE_SHARED_DIR, where files for later tasks go');
    expect(filtered).toContain("not this machine's own services");
    expect(buildPrompt({ ...base, confined: { network: 'none' } })).toContain('It has no network.');
    expect(buildPrompt({ ...base, confined: { network: 'host' } })).not.toContain('network');
  });
});
