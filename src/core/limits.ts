/**
 * How big a board may be. Each number is refused past its limit by the loader (so by the CLI, the
 * client and the workflow alike) and stated in docs/CONTRACT.md. They keep a hostile or mistaken
 * board from costing gigabytes of memory and payloads, and keep every text that reaches a process
 * under what Linux passes to exec (one argument or variable: 128 KiB; all of them: about 2 MB).
 */
export const LIMITS = {
  /** A board file read from disk, in bytes: a 10,000-task board with 300-character descriptions is 3.6 MB. */
  boardFileBytes: 8 * 1024 * 1024,
  /** Tasks on one board, tasks added while it runs included: the size Todone is measured at. */
  tasks: 10_000,
  /** Entries in one task's `dependsOn` (each at most once). */
  dependsOn: 1_000,
  /** A task's `description` and the board's `goal`, in characters: they reach agents through files. */
  text: 65_536,
  /**
   * A command (a shell string, an argv entry, a check, a reduce command) or a literal environment
   * value, in characters: 32,768 characters are at most 96 KiB of UTF-8, under exec's 128 KiB.
   */
  command: 32_768,
  /** The board's name, a model name, a capability: one line. */
  name: 200,
  /**
   * A comment on a task's work (an approval, a rejection, a review's verdict), in characters: it
   * reaches the next attempt's prompt and its TODONE_FEEDBACK variable, and the board's history.
   */
  comment: 8_000,
  /** Problems listed in an error; the rest are counted. */
  reportedIssues: 100,
} as const;

/** `65,536`: numbers in messages read like the docs write them. */
export function formatCount(value: number): string {
  // By hand: workflow code should not lean on the sandbox's Intl.
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
