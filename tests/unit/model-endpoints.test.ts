import { describe, expect, it } from 'vitest';
import { allowEntryProblem } from '../../src/core/network-policy.js';
import { modelEndpoints } from '../../src/draft/model-endpoints.js';

describe('modelEndpoints', () => {
  it('names each model URL the environment points an agent CLI at, as an allow entry', () => {
    const endpoints = modelEndpoints({
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:4010',
      OPENAI_BASE_URL: 'https://gateway.internal/v1',
      GOOGLE_GEMINI_BASE_URL: 'http://[::1]:9000/',
      PATH: '/usr/bin',
    });
    expect(endpoints).toEqual(['127.0.0.1:4010', 'gateway.internal:443', '[::1]:9000']);
    for (const entry of endpoints) expect(allowEntryProblem(entry), entry).toBeUndefined();
  });

  it('leaves out what is not an http(s) URL, and names nothing when nothing is set', () => {
    expect(modelEndpoints({ ANTHROPIC_BASE_URL: 'not a url', OPENAI_BASE_URL: 'file:///etc/passwd' })).toEqual([]);
    expect(modelEndpoints({})).toEqual([]);
  });
});
