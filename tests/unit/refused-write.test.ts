/** Reading a refused write out of what tools print, and the `writable:` folder suggested for it. */
import { describe, expect, it } from 'vitest';
import { refusedWritePath, suggestedWritable } from '../../activities/sandbox/refused-write.js';

describe('the path a tool says it could not write', () => {
  it.each([
    [
      "npm error code EROFS\nnpm error EROFS: read-only file system, open '/home/u/.npm/_cacache/tmp/1f'",
      '/home/u/.npm/_cacache/tmp/1f',
    ],
    ['/bin/sh: 1: cannot create /home/u/.todone-x: Read-only file system', '/home/u/.todone-x'],
    ["touch: cannot touch '/srv/out': Read-only file system", '/srv/out'],
    ["mkdir: cannot create directory '/opt/x': Read-only file system", '/opt/x'],
    ['mkdir: cannot create directory ‘/home/u/.cache’: Read-only file system', '/home/u/.cache'],
    ["OSError: [Errno 30] Read-only file system: '/home/u/.cache/pip'", '/home/u/.cache/pip'],
    ['go: creating work dir: mkdir /home/u/go: read-only file system', '/home/u/go'],
    [
      'error: failed to create directory `/home/u/.cargo/registry/cache`\n\nCaused by:\n  Read-only file system (os error 30)',
      '/home/u/.cargo/registry/cache',
    ],
  ])('finds it in %j', (output, expected) => {
    expect(refusedWritePath(`some output before\n${output}\nmore after`)).toBe(expected);
  });

  it('finds none where nothing was refused, or no path is named', () => {
    expect(refusedWritePath('error: permission denied: /etc/shadow')).toBeUndefined();
    expect(refusedWritePath('Read-only file system')).toBeUndefined();
  });

  it('suggests the tool’s own folder under home, else the folder itself', () => {
    expect(suggestedWritable('/home/u/.npm/_cacache/tmp/1f', '/home/u')).toBe('~/.npm');
    expect(suggestedWritable('/home/u/.cache/ms-playwright/x', '/home/u')).toBe('~/.cache/ms-playwright');
    expect(suggestedWritable('/home/u/.local/share/tool/db', '/home/u')).toBe('~/.local/share/tool');
    expect(suggestedWritable('/srv/data/out.json', '/home/u')).toBe('/srv/data');
    expect(suggestedWritable('/srv/data', '/home/u')).toBe('/srv/data');
  });
});
