/**
 * Rebuilding a board's integration branch from base with the work of the tasks a resumed run keeps:
 * each kept task's commit is replayed (cherry-picked) in the order it was integrated, so the branch
 * holds their work and none of what changed since. A commit that is gone, or no longer applies, is
 * not replayed and its task runs again, as does every kept task that depends on it.
 */
import { withTrailers } from './names.js';
import { revParse, tryRevParse, type Git } from './git.js';
import type { NotReplayed, ReplayCommit } from './types.js';

/** Paths named in a reason: enough to say where it conflicts. */
const SHOWN_FILES = 5;

/**
 * Replays `commits` one after another onto `start` in `worktree` (left detached at the result) and
 * returns the new head with what could not be replayed. Nothing touches a branch.
 */
export async function replayCommits(
  worktree: Git,
  boardId: string,
  start: string,
  commits: readonly ReplayCommit[],
): Promise<{ head: string; notReplayed: NotReplayed[] }> {
  await worktree.raw(['checkout', '--quiet', '--detach', start]);
  const notReplayed: NotReplayed[] = [];
  const failed = new Set<string>();
  for (const commit of commits) {
    const reason = await replayOne(worktree, boardId, commit, failed);
    if (reason === undefined) continue;
    failed.add(commit.taskId);
    notReplayed.push({ taskId: commit.taskId, reason });
  }
  return { head: await revParse(worktree, 'HEAD'), notReplayed };
}

/** Replays one commit; returns why it could not be, or undefined when it was (or had nothing to add). */
async function replayOne(
  worktree: Git,
  boardId: string,
  { taskId, sha, dependsOn }: ReplayCommit,
  failed: ReadonlySet<string>,
): Promise<string | undefined> {
  const blocked = dependsOn.find((dep) => failed.has(dep));
  if (blocked !== undefined) return `its dependency "${blocked}" runs again`;
  if (!(await tryRevParse(worktree, sha))) return `its commit ${sha.slice(0, 12)} is no longer in the repository`;
  const parents = (await worktree.raw(['rev-list', '--parents', '-n', '1', sha])).trim().split(' ').length - 1;
  // A task commit is one commit on top of where the task started; anything else is not one to replay.
  if (parents !== 1) return `its commit ${sha.slice(0, 12)} is not a single task commit`;
  const pick = await worktree.run(['cherry-pick', '--no-commit', sha], { ok: [1] });
  if (pick.exitCode !== 0) {
    const files = (await worktree.raw(['diff', '--name-only', '-z', '--diff-filter=U'])).split('\0').filter(Boolean);
    await worktree.raw(['reset', '--hard', '--quiet', 'HEAD']);
    const shown = files.slice(0, SHOWN_FILES).join(', ') + (files.length > SHOWN_FILES ? ', …' : '');
    return files.length
      ? `its work no longer applies (conflict in ${shown})`
      : `its work no longer applies: ${firstLine(pick.stderr || pick.stdout)}`;
  }
  const staged = await worktree.raw(['diff', '--cached', '--name-only', '-z']);
  // Base already holds the change (landed, say): the task's work is there with nothing to add.
  if (staged === '') return undefined;
  const message = await worktree.raw(['log', '-1', '--format=%B', sha]);
  await worktree.raw(['commit', '--no-verify', '--no-gpg-sign', '--cleanup=whitespace', '--file=-'], {
    input: withTrailers(message, { board: boardId, task: taskId, commit: sha }),
  });
  return undefined;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] || 'git gave no reason';
}
