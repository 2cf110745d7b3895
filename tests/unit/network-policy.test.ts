/** Allow entries of `network: { allow: [...] }`: what the loader accepts is what the worker can apply. */
import { describe, expect, it } from 'vitest';
import { formatAllowEntry, networkMode, parseAllowEntry } from '../../src/core/network-policy.js';

describe('allow entries', () => {
  it.each([
    ['registry.internal:443', { host: 'registry.internal', port: 443, loopback: false }],
    ['Registry.Example.COM', { host: 'registry.example.com', loopback: false }],
    ['10.0.0.5', { host: '10.0.0.5', loopback: false }],
    ['[fd00::1]:8443', { host: 'fd00::1', port: 8443, loopback: false }],
    ['[1::]:80', { host: '1::', port: 80, loopback: false }],
    ['127.0.0.1:4000', { host: '127.0.0.1', port: 4000, loopback: true }],
    ['127.1.2.3:9', { host: '127.1.2.3', port: 9, loopback: true }],
    ['localhost:80', { host: 'localhost', port: 80, loopback: true }],
    ['[::1]:5', { host: '::1', port: 5, loopback: true }],
    ['[0:0:0:0:0:0:0:1]:9', { host: '0:0:0:0:0:0:0:1', port: 9, loopback: true }],
    ['[::ffff:127.0.0.1]:80', { host: '::ffff:127.0.0.1', port: 80, loopback: true }],
  ])('reads %s', (text, expected) => {
    expect(parseAllowEntry(text)).toEqual(expected);
  });

  it.each([
    ['', 'must not be blank'],
    ['http://registry:80', 'no scheme, path or user'],
    ['registry/path', 'no scheme, path or user'],
    ['user@host', 'no scheme, path or user'],
    ['x:0', 'the port must be a number from 1 to 65535'],
    ['x:65536', 'the port must be a number from 1 to 65535'],
    ['x:http', 'the port must be a number from 1 to 65535'],
    ['::1', 'write an IPv6 address in brackets'],
    ['[127.0.0.1]:80', 'brackets are for IPv6 addresses'],
    ['[::1', 'unclosed ['],
    ['256.1.1.1', 'is not a host name or an IP address'],
    ['under_score.example', 'is not a host name or an IP address'],
    ['[::1:x]:80', 'is not a host name or an IP address'],
    ['0.0.0.0:80', 'is no particular host'],
    ['[::]:80', 'is no particular host'],
    ['127.0.0.1', "a service on the worker's own loopback needs its port (127.0.0.1:PORT)"],
    ['[::1]', "a service on the worker's own loopback needs its port ([::1]:PORT)"],
    ['localhost', "a service on the worker's own loopback needs its port"],
  ])('refuses %j: %s', (text, problem) => {
    const parsed = parseAllowEntry(text);
    expect('problem' in parsed && parsed.problem).toContain(problem);
  });

  it('formats an entry back the way it is written', () => {
    for (const text of ['registry.internal:443', '[fd00::1]:8443', 'example.org', '127.0.0.1:4000']) {
      const parsed = parseAllowEntry(text);
      expect('problem' in parsed ? parsed.problem : formatAllowEntry(parsed)).toBe(text);
    }
  });
});

describe('policies', () => {
  it('absent or an allow list is the filtered default; true and false are the host network and none', () => {
    expect(networkMode(undefined)).toBe('filtered');
    expect(networkMode({ allow: ['x:1'] })).toBe('filtered');
    expect(networkMode(true)).toBe('host');
    expect(networkMode(false)).toBe('none');
  });
});
