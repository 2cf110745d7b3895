import { describe, expect, it } from 'vitest';
import { ServerUnreachableError, SetupError } from '../../src/errors.js';
import { untilServerAnswers } from '../../src/cli/wait-for-server.js';

function clock() {
  let now = 0;
  return { now: () => now, sleep: (ms: number) => Promise.resolve((now += ms)) };
}

const unreachable = () =>
  new ServerUnreachableError(
    'Cannot reach Temporal at 127.0.0.1:1 (namespace default): refused.\nCheck…',
    '127.0.0.1:1',
  );
const listening = () => Promise.resolve(true);

/** A try that never reaches the server, and how many times it was made. */
function alwaysUnreachable() {
  const counted = {
    tries: 0,
    attempt: (): Promise<never> => {
      counted.tries++;
      return Promise.reject(unreachable());
    },
  };
  return counted;
}

describe('untilServerAnswers', () => {
  it('tries again while the server does not answer, says so once, and once more when it does', async () => {
    const lines: string[] = [];
    let tries = 0;
    const result = await untilServerAnswers(
      () => (++tries < 4 ? Promise.reject(unreachable()) : Promise.resolve('up')),
      { waitMs: 60_000, say: (line) => lines.push(line), listening, ...clock() },
    );
    expect(result).toBe('up');
    expect(tries).toBe(4);
    expect(lines).toEqual([
      'Cannot reach Temporal at 127.0.0.1:1 (namespace default): refused. Waiting for it, up to 1m (--wait-for-server).',
      'Temporal answers: starting.',
    ]);
  });

  it('gives up at its deadline with the error as it came', async () => {
    const down = alwaysUnreachable();
    const fake = clock();
    await expect(
      untilServerAnswers(down.attempt, { waitMs: 5_000, everyMs: 2_000, say: () => {}, listening, ...fake }),
    ).rejects.toBeInstanceOf(ServerUnreachableError);
    // At 0, 2, 4 and 5 s: the last try is at the deadline itself.
    expect(down.tries).toBe(4);
    expect(fake.now()).toBe(5_000);
  });

  it('between tries only checks the port, and tries again once it accepts (or at the deadline)', async () => {
    const fake = clock();
    const checked: string[] = [];
    let tries = 0;
    const result = await untilServerAnswers(
      () => (++tries < 2 ? Promise.reject(unreachable()) : Promise.resolve('up')),
      {
        waitMs: 60_000,
        everyMs: 2_000,
        say: () => {},
        // Closed for 10 s, then open.
        listening: (address) => {
          checked.push(address);
          return Promise.resolve(fake.now() >= 10_000);
        },
        ...fake,
      },
    );
    expect(result).toBe('up');
    expect(tries).toBe(2);
    expect(checked).toEqual(Array(5).fill('127.0.0.1:1'));

    // A port that never opens: one try at the start, one at the deadline.
    const down = alwaysUnreachable();
    const closed = clock();
    await expect(
      untilServerAnswers(down.attempt, {
        waitMs: 5_000,
        everyMs: 2_000,
        say: () => {},
        listening: () => Promise.resolve(false),
        ...closed,
      }),
    ).rejects.toBeInstanceOf(ServerUnreachableError);
    expect(down.tries).toBe(2);
    expect(closed.now()).toBe(5_000);
  });

  it('tries once with no wait, and never waits out any other error', async () => {
    const down = alwaysUnreachable();
    await expect(untilServerAnswers(down.attempt, { waitMs: 0, say: () => {}, ...clock() })).rejects.toThrow(
      /Cannot reach/,
    );
    expect(down.tries).toBe(1);
    const other = () => Promise.reject(new SetupError('no Temporal CLI'));
    await expect(untilServerAnswers(other, { waitMs: 60_000, say: () => {}, ...clock() })).rejects.toThrow(
      'no Temporal CLI',
    );
  });
});
