/**
 * The prompt an agent gets: what to do, what the board is for, what its dependencies already did,
 * how its work will be checked, and on a retry why the last attempt was rejected. Pure, so what
 * agents are told can be tested exactly.
 */
import type { TaskType, ValidateSpec } from '../../src/core/board.js';
import type { NetworkMode } from '../../src/core/network-policy.js';
import type { DependencyBrief } from '../types.js';

export interface PromptInput {
  taskId: string;
  type: TaskType;
  description: string;
  goal?: string;
  dependencies?: DependencyBrief[];
  validate?: ValidateSpec[];
  /** The folder the agent works in. */
  worktree: string;
  /** Todone commits the worktree itself (git mode): the agent must not. */
  committedByTodone: boolean;
  /** It runs in Todone's sandbox (with this network): told where it may write and that /tmp does not last. */
  confined?: { network: NetworkMode };
  /** The end of the previous attempt's validation log, when it failed validation. */
  previousValidation?: { attempt: number; output: string };
  /** Why the previous attempt's work was rejected although its agent reported success. */
  previousUnfinished?: { attempt: number; reason: string };
  /** Files that conflicted when the previous run of this task was merged. */
  conflictFiles?: string[];
  /** The task's work was sent back with a comment (a rejection, a review's changes). */
  feedback?: { from: string; comment: string; onEarlierWork: boolean };
  /** A review: the tasks it judges, with their diffs, and how its agent gives the verdict. */
  review?: ReviewPrompt;
}

export interface ReviewPrompt {
  round: number;
  maxRounds: number;
  /** `line`: a coding agent ends its message with a VERDICT line; `json`: it writes TODONE_OUTPUT. */
  answer: 'line' | 'json';
  tasks: ReviewedTaskPrompt[];
}

export interface ReviewedTaskPrompt {
  id: string;
  description: string;
  summary?: string;
  output?: unknown;
  outputTail?: string;
  files?: string[];
  /** Its latest change, as `git diff from to` printed it (bounded). */
  diff?: { from: string; to: string; text: string; truncated: boolean };
  answered?: string;
}

/** Per dependency: past this, a file list says "and N more" (the prompt must fit in one argv entry). */
const MAX_FILES_PER_DEPENDENCY = 50;

export function buildPrompt(input: PromptInput): string {
  const sections = [
    `# Task ${input.taskId} (${input.type})`,
    input.description.trim() || '(no description: see the board goal and the checks below)',
    input.goal ? `## Goal of the whole board\n\n${input.goal.trim()}` : undefined,
    feedbackSection(input.feedback),
    reviewSection(input.review),
    dependenciesSection(input.dependencies ?? []),
    checksSection(input.validate ?? []),
    previousValidationSection(input.previousValidation),
    previousUnfinishedSection(input.previousUnfinished),
    conflictSection(input.conflictFiles ?? []),
    rulesSection(input),
  ];
  return `${sections.filter((s) => s !== undefined).join('\n\n')}\n`;
}

/** A dependency's structured output quoted in the prompt; the whole of it is in a file. */
const MAX_OUTPUT_IN_PROMPT = 4_000;

function dependenciesSection(dependencies: DependencyBrief[]): string | undefined {
  if (dependencies.length === 0) return undefined;
  const parts = dependencies.map((dep) => {
    const lines = [`### ${dep.id}${dep.description ? `: ${oneLine(dep.description)}` : ''}`];
    if (dep.summary) lines.push('', dep.summary.trim());
    if (dep.files.length > 0) {
      const shown = dep.files.slice(0, MAX_FILES_PER_DEPENDENCY).map((file) => `- ${file}`);
      const more = dep.files.length - shown.length;
      lines.push('', 'Files it changed:', ...shown, ...(more > 0 ? [`- … and ${more} more`] : []));
    }
    if (dep.output !== undefined) {
      const json = JSON.stringify(dep.output, null, 2);
      const shown =
        json.length > MAX_OUTPUT_IN_PROMPT
          ? `${json.slice(0, MAX_OUTPUT_IN_PROMPT)}\n… (all of it is in $TODONE_DEPENDENCY_OUTPUTS)`
          : json;
      lines.push(
        '',
        'Its output (also in the JSON file named by $TODONE_DEPENDENCY_OUTPUTS):',
        '```json',
        shown,
        '```',
      );
    }
    return lines.join('\n');
  });
  return [
    '## Work already done that this task builds on',
    'These tasks finished before this one; their changes are already in your folder.',
    ...parts,
  ].join('\n\n');
}

function feedbackSection(feedback: PromptInput['feedback']): string | undefined {
  if (!feedback) return undefined;
  const comment = feedback.comment.trim() || '(no comment)';
  const fence = fenceFor(comment);
  return [
    '## Your work was sent back',
    `Your last run of this task was sent back (${oneLine(feedback.from)}) with this comment:`,
    `${fence}text\n${comment}\n${fence}`,
    feedback.onEarlierWork
      ? 'Your folder holds that earlier work: change it to answer the comment, and keep what was right.'
      : 'Do the task again and answer the comment.',
    'The comment is also in the environment variable TODONE_FEEDBACK.',
  ].join('\n\n');
}

function reviewSection(review: ReviewPrompt | undefined): string | undefined {
  if (!review) return undefined;
  const last = review.round >= review.maxRounds;
  const parts = review.tasks.map((task) => {
    const lines = [`### ${task.id}${task.description ? `: ${oneLine(task.description)}` : ''}`];
    if (task.answered) lines.push('', `It was sent back last round with: ${oneLine(task.answered)}`);
    if (task.summary) lines.push('', 'What it said it did:', '', task.summary.trim());
    if (task.diff) {
      const fence = fenceFor(task.diff.text);
      lines.push(
        '',
        `Its change (\`git diff ${task.diff.from} ${task.diff.to}\` in your folder shows it${task.diff.truncated ? ' whole; cut short here' : ''}):`,
        `${fence}diff\n${task.diff.text.trimEnd()}\n${fence}`,
      );
    } else if (task.files?.length) {
      lines.push('', 'Files it changed:', ...task.files.slice(0, MAX_FILES_PER_DEPENDENCY).map((file) => `- ${file}`));
    }
    if (task.output !== undefined) {
      const json = JSON.stringify(task.output, null, 2);
      const shown = json.length > MAX_OUTPUT_IN_PROMPT ? `${json.slice(0, MAX_OUTPUT_IN_PROMPT)}\n…` : json;
      lines.push('', 'Its output (TODONE_OUTPUT):', '```json', shown, '```');
    }
    if (!task.diff && task.outputTail?.trim()) {
      const fence = fenceFor(task.outputTail);
      lines.push('', 'The end of what it printed:', `${fence}text\n${task.outputTail.trimEnd()}\n${fence}`);
    }
    return lines.join('\n');
  });
  const answer =
    review.answer === 'line'
      ? 'End your final message with a line `VERDICT: approve` or `VERDICT: changes`, followed by your comment: for changes, what must change and why, as the tasks will read it (they get it as you write it).'
      : 'Write your verdict as JSON to the file named by $TODONE_OUTPUT: `{ "verdict": "approve" | "changes", "comment": "…" }`; for changes, the comment says what must change and why, as the tasks will read it.';
  return [
    `## Your review (round ${review.round} of at most ${review.maxRounds})`,
    'Review the work of the tasks below: does it do what each was asked, correctly and completely? Their changes are already in your folder.',
    ...parts,
    '### Your verdict',
    answer,
    last
      ? 'This is the last round: if you ask for changes again, the review fails with your comment.'
      : '`changes` sends the work back to its tasks with your comment; you review it again when they are done.',
  ].join('\n\n');
}

function checksSection(validate: ValidateSpec[]): string | undefined {
  if (validate.length === 0) return undefined;
  const lines = validate.map(
    (check) => `- ${inlineCode(oneLine(check.run))}${check.required ? '' : ' (advisory: reported, not required)'}`,
  );
  return [
    '## How your work is checked',
    'When you finish, these commands run in your folder. The task succeeds only if every required one exits 0, so run them yourself before you stop:',
    lines.join('\n'),
  ].join('\n\n');
}

function previousValidationSection(previous: PromptInput['previousValidation']): string | undefined {
  if (!previous) return undefined;
  const output = previous.output.trimEnd();
  const fence = fenceFor(output);
  return [
    '## The previous attempt failed its checks',
    `Attempt ${previous.attempt} finished, but a required check failed. The end of its output:`,
    `${fence}text\n${output}\n${fence}`,
    'Fix the cause; the same checks run again after you finish.',
  ].join('\n\n');
}

function previousUnfinishedSection(previous: PromptInput['previousUnfinished']): string | undefined {
  if (!previous) return undefined;
  return [
    "## The previous attempt's work did not happen",
    `Attempt ${previous.attempt} reported success, but Todone rejected it: ${previous.reason.trim()}`,
    'Make the changes this task needs in your folder, and check that each edit really went through: Todone looks at the files, not at your summary.',
  ].join('\n\n');
}

function conflictSection(files: string[]): string | undefined {
  if (files.length === 0) return undefined;
  return [
    '## This task is being redone after a merge conflict',
    "An earlier run of this task conflicted with other tasks' work in these files. Your folder now holds that newer work; make this task's change on top of it:",
    files.map((file) => `- ${file}`).join('\n'),
  ].join('\n\n');
}

function rulesSection(input: PromptInput): string {
  const rules = [
    `- Work only inside ${input.worktree}.`,
    '- Nobody will answer questions: decide, do the work, and finish.',
  ];
  if (input.committedByTodone)
    rules.push('- Do not commit, branch or push: Todone commits and merges your changes when the checks pass.');
  if (input.confined) rules.push(sandboxRule(input.confined.network));
  rules.push('- End with a short summary of what you changed: the tasks that build on this one are given it.');
  return `## Rules\n\n${rules.join('\n')}`;
}

function sandboxRule(network: NetworkMode): string {
  const writes =
    '- You run in a sandbox: besides your folder you may write only /tmp, which is private and emptied when you finish, and $TODONE_SHARED_DIR, where files for later tasks go.';
  if (network === 'none') return `${writes} It has no network.`;
  if (network === 'filtered')
    return `${writes} Its network reaches the internet through a proxy (HTTPS_PROXY), not this machine's own services.`;
  return writes;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A fence longer than any backtick run in the content, so tool output cannot close it early. */
function fenceFor(content: string): string {
  return '`'.repeat(Math.max(3, longestBacktickRun(content) + 1));
}

/** Markdown inline code that survives backticks in the command (`` a `b` ``). */
function inlineCode(text: string): string {
  const ticks = '`'.repeat(longestBacktickRun(text) + 1);
  return ticks.length === 1 ? `\`${text}\`` : `${ticks} ${text} ${ticks}`;
}

function longestBacktickRun(text: string): number {
  return Math.max(0, ...[...text.matchAll(/`+/g)].map((match) => match[0].length));
}
