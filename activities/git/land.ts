/**
 * `todone land`: fast-forwards the board's base branch to its integration head, and nothing else.
 * Refuses (with the reason, never half-way) when base has moved since the board started, when the
 * integration head does not contain base, or when base is checked out somewhere that is not clean.
 * Whether every task succeeded is the caller's question: it knows the board's result.
 */
import { crashPoint } from './crash-point.js';
import { branchSha, isAncestor, openGit, operationInProgress, revParse, tryRevParse } from './git.js';
import { integrationBranch } from './names.js';
import { exists } from './paths.js';
import { listWorktrees } from './registry.js';
import { withRepoLock } from './repo-lock.js';
import type { LandInput, LandResult } from './types.js';
import { checkInput, landSchema } from './validate.js';

export async function land(input: LandInput): Promise<LandResult> {
  checkInput(landSchema, input, 'land');
  const { git: config, boardId, baseBranch, expectedBaseSha, integrationHead } = input;
  const integration = integrationBranch(boardId);
  const repo = openGit(config.repo, config.author ? { author: config.author } : {});
  const refuse = (reason: string): LandResult => ({ landed: false, reason });

  return withRepoLock(config.repo, async () => {
    const target = await tryRevParse(repo, integrationHead);
    if (!target) return refuse(`the integration head ${short(integrationHead)} no longer exists in ${config.repo}`);
    const current = await branchSha(repo, baseBranch);
    if (!current) return refuse(`the base branch ${baseBranch} no longer exists in ${config.repo}`);
    // Landed already (this is a retry), or the board changed nothing.
    if (current === target) return { landed: true, head: target };
    if (current !== expectedBaseSha) {
      return refuse(
        `${baseBranch} has moved since the board started (from ${short(expectedBaseSha)} to ${short(current)}); ` +
          `landing would drop or bypass that work. Merge ${integration} into ${baseBranch} yourself, or run the board again.`,
      );
    }
    if (!(await isAncestor(repo, current, target))) {
      return refuse(
        `${integration} at ${short(target)} does not contain ${baseBranch} at ${short(current)}: it cannot be fast-forwarded`,
      );
    }

    const holders = await listWorktrees(repo);
    const holder = holders.find((e) => e.branch === `refs/heads/${baseBranch}` && e.prunable === undefined);
    if (!holder || !(await exists(holder.path))) {
      crashPoint('land:before-update');
      // Compare-and-swap: if base moves between our check and this update, nothing is changed.
      const update = await repo.run(
        ['update-ref', '-m', `todone land ${boardId}`, `refs/heads/${baseBranch}`, target, current],
        { ok: [1, 128] },
      );
      if (update.exitCode !== 0) return refuse(`${baseBranch} changed while landing: ${firstLine(update.stderr)}`);
      return { landed: true, head: target };
    }

    // Base is checked out: moving the ref alone would leave that checkout looking changed, so the
    // checkout is fast-forwarded the way the user would do it, and only when nothing can be lost.
    const checkout = repo.at(holder.path);
    const busy = await operationInProgress(checkout);
    if (busy)
      return refuse(
        `${baseBranch} is checked out in ${holder.path}, where ${busy} is in progress: finish or abort it, then land again`,
      );
    const dirty = (
      await checkout.raw(['status', '--porcelain=v1', '-z', '--untracked-files=no', '--ignore-submodules=none'])
    )
      .split('\0')
      .filter(Boolean)
      .map((line) => line.slice(3));
    if (dirty.length > 0) {
      return refuse(
        `${baseBranch} is checked out in ${holder.path} with uncommitted changes (${dirty.slice(0, 5).join(', ')}${dirty.length > 5 ? ', …' : ''}): ` +
          `commit or stash them, then land again`,
      );
    }
    crashPoint('land:before-update');
    const ff = await checkout.run(['merge', '--ff-only', target], { ok: [1, 128] });
    if (ff.exitCode !== 0)
      return refuse(`git could not fast-forward ${baseBranch} in ${holder.path}: ${firstLine(ff.stderr || ff.stdout)}`);
    return { landed: true, head: await revParse(checkout, 'HEAD') };
  });
}

function short(sha: string): string {
  return sha.slice(0, 12);
}

function firstLine(text: string): string {
  return text.trim().split('\n').slice(0, 3).join(' ') || 'no message from git';
}
