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
    let tries = 0;
    const fake = clock();
    await expect(
      untilServerAnswers(
        () => {
          tries++;
          return Promise.reject(unreachable());
        },
        { waitMs: 5_000, everyMs: 2_000, say: () => {}, listening, ...fake },
      ),
    ).rejects.toBeInstanceOf(ServerUnreachableError);
    // At 0, 2, 4 and 5 s: the last try is at the deadline itself.
    expect(tries).toBe(4);
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

    let closedTries = 0;
    const closed = clock();
    await expect(
      untilServerAnswers(
        () => {
          closedTries++;
          return Promise.reject(unreachable());
        },
        { waitMs: 5_000, everyMs: 2_000, say: () => {}, listening: () => Promise.resolve(false), ...closed },
      ),
    ).rejects.toBeInstanceOf(ServerUnreachableError);
    expect(closedTries).toBe(2);
    expect(closed.now()).toBe(5_000);
  });

  it('tries once with no wait, and never waits out any other error', async () => {
    let tries = 0;
    const once = () => {
      tries++;
      return Promise.reject(unreachable());
    };
    await expect(untilServerAnswers(once, { waitMs: 0, say: () => {}, ...clock() })).rejects.toThrow(/Cannot reach/);
    expect(tries).toBe(1);
    const other = () => Promise.reject(new SetupError('no Temporal CLI'));
    await expect(untilServerAnswers(other, { waitMs: 60_000, say: () => {}, ...clock() })).rejects.toThrow(
      'no Temporal CLI',
    );
  });
});
