import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/core/duration.js';

describe('parseDuration', () => {
  it.each([
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2d', 172_800_000],
    ['1.5h', 5_400_000],
    ['1m30s500ms', 90_500],
    [' 45s ', 45_000],
    ['90', 90_000],
    ['0.5', 500],
    ['0', 0],
  ])('%j is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('reads a bare number as seconds', () => {
    expect(parseDuration(90)).toBe(90_000);
    expect(parseDuration(0.25)).toBe(250);
  });

  it.each(['', 'abc', '5x', '1 m', '-1s', 'h', '1e3', '1h 30m', 'ms', '.5s', '1,5s'])('%j is undefined', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('number %d is undefined', (value) => {
    expect(parseDuration(value)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [999, '999ms'],
    [1_000, '1.00s'],
    [1_234, '1.23s'],
    [12_345, '12.3s'],
    [60_000, '1m'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [5_400_000, '1h30m'],
    // Rounding used to carry into a 60th second: "60.0s", "1m60s", "59m60s".
    [59_999, '1m'],
    [119_700, '2m'],
    [3_599_999, '1h'],
  ])('%i ms is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('never shows 60 of a smaller unit and reads back close to the original', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 * 86_400_000 }), (ms) => {
        const text = formatDuration(ms);
        const match = /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$/.exec(text);
        expect(match, text).not.toBeNull();
        const [, , minutes, seconds, millis] = match!;
        if (minutes !== undefined) expect(Number(minutes)).toBeLessThan(60);
        if (seconds !== undefined) expect(Number(seconds)).toBeLessThan(60);
        if (millis !== undefined) expect(Number(millis)).toBeLessThan(1_000);
        // Hours drop seconds, minutes round to the second, seconds to a tenth or hundredth.
        const tolerance = ms >= 3_600_000 ? 60_000 : ms >= 60_000 ? 500 : ms >= 10_000 ? 50 : 5;
        expect(Math.abs(parseDuration(text)! - ms)).toBeLessThanOrEqual(tolerance);
      }),
      { numRuns: 500 },
    );
  });
});
