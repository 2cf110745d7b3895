/**
 * The rules on the strings that reach git: ids, SHAs, paths inside the repository, keep patterns,
 * identities and branch names. The board schema applies them at load time and the git activities
 * at their edge, so a value one accepts the other accepts too, and bad input is reported before a
 * workflow starts. Pure (no Node modules): workflow code may import it.
 *
 * Each rule is a function returning why a value breaks it ("must ..."), or undefined when it
 * passes; `is…` predicates are derived from them.
 */

export type Rule = (value: string) => string | undefined;

/** A value quoted for a message, cut short: a 5 MB id must not make a 5 MB message. */
export function quoted(text: string, max = 60): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max - 3)}...` : text);
}

// ---- text: nothing that would act on a terminal or that exec refuses ----

/** C0 controls but tab, line feed and carriage return; DEL; C1 controls (the escape sequences' other introducers). */
// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/** NUL cannot reach a process (exec refuses it) and escape sequences would reach the terminals that print the text. */
export const controlCharacterProblem: Rule = (text) => {
  const found = CONTROL_CHARACTER.exec(text);
  if (!found) return undefined;
  const code = found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  return `must not contain control characters (U+${code} at character ${found.index + 1}; tabs and line breaks are fine)`;
};

const passes =
  (rule: Rule) =>
  (value: string): boolean =>
    rule(value) === undefined;

// ---- safe ids: they become branch names, folder names and workflow ids ----

export const SAFE_ID_MAX_LENGTH = 100;
const SAFE_ID_ALPHABET = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const SAFE_ID_RULE = "use letters, digits, '.', '_' and '-' (must start with a letter or digit)";

/** Why `id` cannot be a branch name, folder name and workflow id, or undefined when it can. */
export function unsafeIdReason(id: string): string | undefined {
  const shown = quoted(id, 2 * SAFE_ID_MAX_LENGTH);
  if (id.length > SAFE_ID_MAX_LENGTH)
    return `${shown} is not a safe id: at most ${SAFE_ID_MAX_LENGTH} characters (it has ${id.length})`;
  if (!SAFE_ID_ALPHABET.test(id)) return `${shown} is not a safe id: ${SAFE_ID_RULE}`;
  if (id.includes('..')) return `${shown} is not a safe id: it must not contain ".."`;
  // Git refuses ref names ending in ".lock" or ".".
  if (id.endsWith('.lock') || id.endsWith('.')) return `${shown} is not a safe id: it must not end with "." or ".lock"`;
  return undefined;
}

export const isSafeId = passes(unsafeIdReason);

// ---- commit SHAs: SHA-1 or SHA-256 repositories, always the full lowercase form git prints ----

const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export const shaProblem: Rule = (text) =>
  FULL_SHA.test(text) ? undefined : 'must be a full commit SHA (40 or 64 lowercase hex digits)';

export const isFullSha = passes(shaProblem);

// ---- paths ----

/** POSIX, like the machines the activities run on; written by hand so this file needs no node:path. */
export const absolutePathProblem: Rule = (p) => (p.startsWith('/') ? undefined : 'must be an absolute path');

export const isAbsolutePath = passes(absolutePathProblem);

/**
 * `written` made absolute from `base` (absolute), `.` and `..` resolved: what node:path's
 * `resolve` does on POSIX, for code that may not import it. `~` is the home of whoever reads it,
 * which only the worker knows: undefined.
 */
export function resolvePosixPath(base: string, written: string): string | undefined {
  if (written === '~' || written.startsWith('~/')) return undefined;
  const parts: string[] = [];
  for (const part of `${written.startsWith('/') ? '' : base}/${written}`.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/**
 * A remote git clones and pushes to: a URL (`file://`, `ssh://`, `https://`, `git@host:path`) or
 * an absolute path. One line, and never read as an option (git gets it after `--` too).
 */
export const remoteUrlProblem: Rule = (url) => {
  if (url.trim() === '') return 'must not be blank';
  if (/[\0\n\r]/.test(url)) return 'must be one line (no newline or NUL character)';
  if (url.startsWith('-')) return 'must not start with "-"';
  if (/^ext::/i.test(url)) return 'must not use the ext:: transport (it runs a command)';
  if (!url.includes(':') && !isAbsolutePath(url))
    return 'must be a URL (file://, ssh://, https://, user@host:path) or an absolute path';
  return undefined;
};

/** For `copy` and `link`: stays inside the repository, and never names git's own data. */
export const relativePathProblem: Rule = (p) => {
  if (p === '') return 'must not be empty';
  if (p.includes('\0')) return 'must not contain a NUL character';
  if (isAbsolutePath(p)) return 'must be relative to the repository, not an absolute path';
  const parts = p.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
  if (parts.length === 0) return 'must name something inside the repository, not the repository itself';
  if (parts.includes('..')) return 'must stay inside the repository (no ".." segments)';
  if (parts[0] === '.git') return "must not name git's own data (.git)";
  return undefined;
};

/** A gitignore-style pattern handed to `git clean -e`: one line. */
export const keepPatternProblem: Rule = (p) => {
  if (p.trim() === '') return 'must not be blank';
  if (p.includes('\0') || p.includes('\n')) return 'must be one line (no newline or NUL character)';
  return undefined;
};

// ---- git identities and branches ----

/** Git rejects `<`, `>` and newlines in a name or email. */
export const identityPartProblem: Rule = (s) => {
  if (s.trim() === '') return 'must not be blank';
  if (/[<>\n\0]/.test(s)) return 'must not contain <, > or a newline (git refuses them in names and emails)';
  return undefined;
};

/** A subset of `git check-ref-format --branch` that also keeps names from reading as options. */
const BAD_BRANCH = /[\s~^:?*[\\\0]|\.\.|@\{|\/\/|\.lock$|^\/|\/$|\.$/;

export const branchNameProblem: Rule = (b) => {
  if (b === '') return 'must not be empty';
  if (b.startsWith('-')) return 'must not start with "-"';
  if (b.startsWith('refs/')) return 'must be a local branch name (without "refs/")';
  if (BAD_BRANCH.test(b)) {
    return 'must be a valid branch name (no spaces, ~ ^ : ? * [ \\, "..", "@{" or "//", and no leading or trailing "/", trailing "." or ".lock")';
  }
  return undefined;
};

// ---- the result cache's inputs ----

/** Patterns per task and names per task: enough for any real task, few enough for a key built in milliseconds. */
export const MAX_INPUT_GLOBS = 100;
export const MAX_CACHE_ENV = 100;

/**
 * A glob of a cached task's input files (picomatch syntax), relative to its folder: it stays inside
 * that folder and reads as one pattern, never a negation or an escape.
 */
export const inputGlobProblem: Rule = (glob) => {
  if (glob.trim() === '') return 'must not be blank';
  if (glob.length > 500) return 'must be at most 500 characters';
  // eslint-disable-next-line no-control-regex
  if (/[\0-\x1f\x7f]/.test(glob)) return 'must not contain control characters';
  if (glob.startsWith('/')) return "must be relative to the task's folder, not an absolute path";
  if (glob.startsWith('!')) return 'must not be a negation (a cached task names what it reads)';
  if (glob.includes('\\')) return 'must not contain "\\" (write "/" between folders)';
  if (glob.split('/').includes('..')) return 'must stay inside the task\'s folder (no ".." segments)';
  return undefined;
};

/** A variable name the worker reads for a cached task's key. */
export const cacheEnvNameProblem: Rule = (name) =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)
    ? undefined
    : 'must be a variable name (letters, digits and _, not starting with a digit)';
