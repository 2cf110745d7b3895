/**
 * The cache folder of a board on this worker, which Todone mounts writable into its confined tasks
 * and points the common build tools at through their own variables: their caches in the home folder
 * are read-only there. One per board, not one per worker: a task could plant a poisoned package in
 * a cache that a later task installs from, and a board's tasks already share one repository and one
 * trust, where another board's may not. Kept between runs of the same board, so re-runs start warm.
 *
 * Tools whose home folder also holds the user's settings (cargo's ~/.cargo, gradle's ~/.gradle)
 * get a home of their own here: making the user's writable would let a task plant code (a source in
 * ~/.cargo/registry, an init script in ~/.gradle) that the user's own builds run later.
 */
import path from 'node:path';

export function cacheEnvironment(cacheDir: string): Record<string, string> {
  const at = (name: string) => path.join(cacheDir, name);
  return {
    npm_config_cache: at('npm'),
    // pnpm's store, and node-gyp's headers (npm passes npm_config_* on to them).
    npm_config_store_dir: at('pnpm-store'),
    npm_config_devdir: at('node-gyp'),
    YARN_CACHE_FOLDER: at('yarn'),
    YARN_GLOBAL_FOLDER: at('yarn-berry'),
    COREPACK_HOME: at('corepack'),
    PIP_CACHE_DIR: at('pip'),
    UV_CACHE_DIR: at('uv'),
    CARGO_HOME: at('cargo'),
    GOCACHE: at('go-build'),
    GOMODCACHE: at('go-mod'),
    GRADLE_USER_HOME: at('gradle'),
    MAVEN_OPTS: `-Dmaven.repo.local=${at('maven')}`,
  };
}
