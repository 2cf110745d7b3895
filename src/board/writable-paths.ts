/**
 * The rule for a folder a board makes writable to its confined tasks (`writable:`, a workdir that
 * is not a worktree, a CLI's config folder set in `env`): the loader applies it when the board is
 * loaded, and the task activity again on the worker, with that machine's home and data folder.
 * What it keeps out: the whole filesystem or home, anything git runs code from (a `.git` folder's
 * hooks and config run outside the sandbox on the next git command), and Todone's own folders.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';

export interface WritableContext {
  /** The home folder `~/` stands for. */
  home: string;
  /** Todone's data folder (logs, prompts, the embedded server's database). */
  dataDir: string;
  /** Where Todone keeps the tools it fetched (bubblewrap, the Temporal CLI). */
  toolsDir: string;
  /** A git board's repository. */
  repo?: string;
}

/** `~` and `~/…` against `home`; other paths as given (the caller has checked they are absolute). */
export function expandHome(given: string, home: string): string {
  if (given === '~') return home;
  return given.startsWith('~/') ? path.join(home, given.slice(2)) : given;
}

/** Why `given` cannot be writable to a confined task, or undefined when it can. */
export function writablePathProblem(given: string, ctx: WritableContext): string | undefined {
  if (!path.isAbsolute(given) && given !== '~' && !given.startsWith('~/'))
    return `must be an absolute path or ~/…, got ${JSON.stringify(given)}`;
  const resolved = path.resolve(expandHome(given, ctx.home));
  const real = realpathOrSelf(resolved);
  if (real !== resolved) {
    // A link could be pointed elsewhere later (by a task that may write beside it): name the folder itself.
    return `${given} is a link to ${real}: name the folder itself`;
  }
  return resolvedPathProblem(resolved, ctx);
}

/** The same rule for a path that is already absolute and resolved (a workdir). */
export function resolvedPathProblem(resolved: string, ctx: WritableContext): string | undefined {
  if (resolved === '/') return 'must not be / : that would make the whole filesystem writable';
  if (contains(resolved, path.resolve(ctx.home)))
    return `must not be your home folder ${ctx.home} or a folder holding it: name the folder the tool writes (e.g. ~/.cache/tool)`;
  if (resolved.split(path.sep).includes('.git'))
    return `must not be inside a .git folder (${resolved}): git runs hooks and reads config from there outside the sandbox`;
  if (ctx.repo && (contains(resolved, ctx.repo) || contains(path.join(ctx.repo, '.git'), resolved)))
    return `must not hold the board's repository ${ctx.repo}: its .git (hooks, config) would become writable`;
  for (const [folder, what] of [
    [ctx.dataDir, "Todone's data folder"],
    [ctx.toolsDir, "Todone's tools folder"],
  ] as const) {
    if (contains(resolved, folder) || contains(folder, resolved))
      return `must not be in or hold ${what} ${folder}: tasks would reach other tasks' files and the tools the worker runs`;
  }
  return undefined;
}

/**
 * The rule for the workdir of a board without a repository, which its confined tasks write in.
 * Looser than `writable:`'s: a workdir may hold the home or Todone's folders (a project folder that
 * a test's HOME lives in), since the sandbox keeps those read-only or hidden inside it anyway; but
 * the whole filesystem or the home itself would leave the task nothing it could not write.
 */
export function workdirProblem(resolved: string, ctx: Pick<WritableContext, 'home'>): string | undefined {
  if (resolved === '/') return 'must not be / : that would make the whole filesystem writable';
  if (resolved === path.resolve(ctx.home))
    return `must not be your home folder ${ctx.home}: tasks would write your dotfiles`;
  if (resolved.split(path.sep).includes('.git'))
    return `must not be inside a .git folder (${resolved}): git runs hooks and reads config from there outside the sandbox`;
  return undefined;
}

/** Whether `inner` is `outer` or inside it. */
export function contains(outer: string, inner: string): boolean {
  const relative = path.relative(path.resolve(outer), path.resolve(inner));
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The path with every link resolved, as far as it exists (a missing tail is kept as written). */
export function realpathOrSelf(resolved: string): string {
  const missing: string[] = [];
  for (let at = resolved; ; at = path.dirname(at)) {
    try {
      return path.join(realpathSync(at), ...missing.reverse());
    } catch {
      if (at === path.dirname(at)) return resolved;
      missing.push(path.basename(at));
    }
  }
}
