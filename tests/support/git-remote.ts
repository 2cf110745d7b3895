/** A bare repository standing in for a shared remote (what a fleet's workers clone and push to). */
import fs from 'node:fs/promises';
import path from 'node:path';
import {
  commitRemoteWork,
  initRemoteIntegration,
  integrateRemote,
  prepareRemoteWorktree,
  releaseRemoteWorktree,
} from '../../activities/git/remote.js';
import type {
  BoardGitConfig,
  CommitInput,
  IntegrateInput,
  PrepareWorktreeInput,
  ReleaseWorktreeInput,
} from '../../activities/git/types.js';
import { createRepo, git } from './git-repo.js';

/** `<dir>/remote.git`, bare, on `main` with one commit holding `files`; its path is its URL. */
export async function createBareRemote(dir: string, files: Record<string, string>): Promise<string> {
  const seed = await createRepo(path.join(dir, 'seed'), files);
  const bare = path.join(dir, 'remote.git');
  await git(dir, ['clone', '--bare', '--quiet', seed, bare]);
  await fs.rm(seed, { recursive: true, force: true });
  return bare;
}

/** A remote board's git settings as the loader makes them. */
export function remoteConfig(url: string, overrides: Partial<BoardGitConfig> = {}): BoardGitConfig {
  return {
    repo: url,
    remote: url,
    worktreeRoot: '',
    poolSize: 0,
    keep: [],
    copy: [],
    link: [],
    strategy: 'merge',
    ...overrides,
  };
}

/** The remote steps with one argument each, for tests that call them in a child process. */
export const initOn = ({ home, input }: { home: string; input: { git: BoardGitConfig; boardId: string } }) =>
  initRemoteIntegration(home, input);
export const prepareOn = ({ home, input }: { home: string; input: PrepareWorktreeInput }) =>
  prepareRemoteWorktree(home, 'own-queue', input);
export const commitOn = ({ home, input }: { home: string; input: CommitInput }) => commitRemoteWork(home, input);
export const integrateOn = ({ home, input }: { home: string; input: IntegrateInput }) => integrateRemote(home, input);
export const releaseOn = ({ home, input }: { home: string; input: ReleaseWorktreeInput }) =>
  releaseRemoteWorktree(home, input);
