/**
 * Defaults the command line shows in its help, kept apart from the commands themselves: the
 * program is built before any command runs, and each command's module loads only when it runs.
 */
export const DEFAULT_UI_PORT = 8235;
export const DEFAULT_CODEC_PORT = 8234;
/** How long `todone worker` waits for a Temporal server that does not answer at its start. */
export const DEFAULT_WORKER_WAIT_MS = 120_000;
