/**
 * Task outputs (TODONE_OUTPUT) reaching dependents and fan-in tasks, and breakpoints holding a
 * task until the board is resumed; on the real server with real processes.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BoardSpec, TaskSpec } from '../../src/core/board.js';
import { makeBoard, shellAgent } from '../support/boards.js';
import { createHarness, type Harness } from '../support/harness.js';
import { waitForStatus } from '../support/board-status.js';

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => h?.close());

const aggregateTask = (id: string, dependsOn: string[], aggregate: TaskSpec['aggregate']): Partial<TaskSpec> => ({
  id,
  dependsOn,
  aggregate,
});

function withAggregates(board: BoardSpec, extra: Partial<TaskSpec>[]): BoardSpec {
  const template = board.tasks[0]!;
  return {
    ...board,
    tasks: [
      ...board.tasks,
      ...extra.map((t) => ({
        ...template,
        ...t,
        id: t.id!,
        dependsOn: t.dependsOn ?? [],
        agent: shellAgent(typeof t.aggregate === 'object' ? t.aggregate.reduce : 'true'),
      })),
    ],
  };
}

describe('task outputs', () => {
  it('reach dependents (file and prompt) and fan-in tasks combine them: concat, merge, vote, reduce', async () => {
    const dir = await h.tempDir();
    const write = (json: string) => `printf '%s' '${json}' > "$TODONE_OUTPUT"`;
    const base = makeBoard(`outputs-${randomUUID().slice(0, 8)}`, dir, [
      { id: 'lint', command: write('{"findings":["a"],"summary":{"lint":"ok","files":3}}') },
      { id: 'types', command: write('{"findings":["b","c"],"summary":{"types":"ok","files":4}}') },
      { id: 'docs', command: write('{"findings":[],"summary":{"files":3}}') },
      {
        id: 'reader',
        dependsOn: ['lint'],
        command: 'cp "$TODONE_DEPENDENCY_OUTPUTS" seen.json; grep -q "Its output" "$TODONE_PROMPT_FILE"',
      },
    ]);
    const board = withAggregates(base, [
      aggregateTask('all', ['lint', 'types', 'docs'], 'concat'),
      aggregateTask('merged', ['lint', 'types', 'docs'], 'merge'),
      aggregateTask('files', ['lint', 'types', 'docs'], {
        reduce: `node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const o=JSON.parse(s);console.log(JSON.stringify(Object.values(o).reduce((n,x)=>n+x.findings.length,0)))})"`,
      }),
    ]);
    const result = await h.run(board);

    expect(result.state).toBe('completed');
    const task = (id: string) => result.tasks.find((t) => t.id === id)!;
    expect(task('lint').output).toEqual({ findings: ['a'], summary: { lint: 'ok', files: 3 } });
    expect(JSON.parse(await fs.readFile(path.join(dir, 'seen.json'), 'utf8'))).toEqual({ lint: task('lint').output });
    expect(task('all').output).toEqual([
      { findings: ['a'], summary: { lint: 'ok', files: 3 } },
      { findings: ['b', 'c'], summary: { types: 'ok', files: 4 } },
      { findings: [], summary: { files: 3 } },
    ]);
    expect(task('merged').output).toEqual({ findings: [], summary: { lint: 'ok', types: 'ok', files: 3 } });
    expect(task('merged').aggregation!.conflicts!.map((c) => c.path)).toEqual(['findings', 'summary.files']);
    expect(task('files').output).toBe(3);
  });

  it('vote keeps the majority, a tie is reported; a task whose output is not JSON fails with a clear reason', async () => {
    const dir = await h.tempDir();
    const answer = (word: string) => `printf '"${word}"' > "$TODONE_OUTPUT"`;
    const base = makeBoard(`vote-${randomUUID().slice(0, 8)}`, dir, [
      { id: 'j1', command: answer('ship') },
      { id: 'j2', command: answer('hold') },
      { id: 'j3', command: answer('ship') },
      { id: 'bad', command: 'echo not json > "$TODONE_OUTPUT"', retry: { maxAttempts: 1 } },
    ]);
    const result = await h.run(
      withAggregates(base, [
        aggregateTask('verdict', ['j1', 'j2', 'j3'], 'vote'),
        aggregateTask('split', ['j1', 'j2'], 'vote'),
      ]),
    );

    const task = (id: string) => result.tasks.find((t) => t.id === id)!;
    expect(task('verdict')).toMatchObject({ state: 'succeeded', output: 'ship' });
    expect(task('split').aggregation).toMatchObject({ kind: 'vote', tie: true });
    expect(task('bad')).toMatchObject({ state: 'failed' });
    expect(task('bad').reason).toMatch(/is not JSON/);
  });
});

describe('breakpoints', () => {
  it('hold a task until the board is resumed, from the board file or set on the running board', async () => {
    const dir = await h.tempDir();
    const gate = `while [ ! -f ${path.join(dir, 'gate')} ]; do sleep 0.05; done`;
    const board = makeBoard(`break-${randomUUID().slice(0, 8)}`, dir, [
      { id: 'first', command: 'date +%s%3N > first.end' },
      { id: 'held', dependsOn: ['first'], command: 'date +%s%3N > held.start' },
      { id: 'side', command: gate },
      { id: 'later', dependsOn: ['held'], command: 'true' },
    ]);
    board.breakpoints = ['held'];
    const result = await h.run(board, async (boards) => {
      const paused = await waitForStatus(boards, board.id, 'the breakpoint', (s) => s.breakpoint === 'held');
      expect(paused).toMatchObject({ paused: true });
      expect(paused.tasks.find((t) => t.id === 'held')!.state).toBe('pending');
      // A breakpoint set on the running board, on a task not started yet.
      await boards.setBreakpoint(board.id, 'later');
      await expect(boards.setBreakpoint(board.id, 'first')).rejects.toThrow(/task "first" is succeeded/);
      await boards.resume(board.id);
      await waitForStatus(boards, board.id, 'the second breakpoint', (s) => s.breakpoint === 'later');
      await fs.access(path.join(dir, 'held.start'));
      await boards.resume(board.id);
      await fs.writeFile(path.join(dir, 'gate'), '');
    });

    expect(result.state).toBe('completed');
    expect(result.changes!.map((c) => c.detail)).toEqual([
      'paused before held (breakpoint)',
      'breakpoint before later',
      'resume: past the breakpoint before held',
      'paused before later (breakpoint)',
      'resume: past the breakpoint before later',
    ]);
  });
});
