/** Redaction of resolved secret values, whole and in a stream cut anywhere. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Redactor, redactDeep } from '../../activities/secrets/redact.js';
import { resolveEnv } from '../../activities/secrets/resolve-env.js';

const KEY = 'sk-abc"def/ghi';
const redactor = new Redactor([
  { name: 'API_KEY', value: KEY },
  { name: 'SHORT', value: 'abc' },
  { name: 'INNER', value: 'sk-abc' },
]);

describe('Redactor', () => {
  it('replaces the value, its JSON and URL forms, the longest match first, and leaves values under 4 characters', () => {
    expect(redactor.redact(`a ${KEY} b {"k":"sk-abc\\"def/ghi"} c sk-abc%22def%2Fghi abc sk-abc!`)).toBe(
      'a [secret API_KEY redacted] b {"k":"[secret API_KEY redacted]"} c [secret API_KEY redacted] abc [secret INNER redacted]!',
    );
  });

  it('gives a stream cut at any points exactly what redacting the whole text gives', () => {
    const piece = fc.constantFrom(KEY, 'sk-abc', 'sk-', 'def/ghi', 'x', '\n', 'sk-abc"def', 'é');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 6 }), (pieces, cuts) => {
        const text = pieces.join('');
        const points = [...new Set(cuts.map((c) => (text.length === 0 ? 0 : c % text.length)))].sort((a, b) => a - b);
        const stream = redactor.stream();
        let out = '';
        let from = 0;
        for (const point of [...points, text.length]) {
          out += stream.push(text.slice(from, point));
          from = point;
        }
        out += stream.end();
        expect(out).toBe(redactor.redact(text));
        expect(out).not.toContain(KEY);
      }),
    );
  });

  it('redacts every string inside an outcome', () => {
    expect(redactDeep({ a: [`x ${KEY}`, 1], b: { c: KEY } }, redactor)).toEqual({
      a: ['x [secret API_KEY redacted]', 1],
      b: { c: '[secret API_KEY redacted]' },
    });
  });
});

describe('resolveEnv', () => {
  it('reads references from the worker’s environment and lists the missing ones', () => {
    expect(resolveEnv({ A: 'lit', B: { fromEnv: 'W_B' } }, { W_B: 'value' })).toEqual({
      env: { A: 'lit', B: 'value' },
      secrets: [{ name: 'B', value: 'value' }],
    });
    expect(resolveEnv({ B: { fromEnv: 'W_B' }, C: { fromEnv: 'C' } }, {})).toEqual({ missing: ['B (from W_B)', 'C'] });
  });
});
