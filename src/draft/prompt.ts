/**
 * The drafting agent's prompt: the goal, where to write the board, a map of the repository, the
 * board's fields, what makes a good board, and on a later round the loader's problems with the
 * draft, each with its path. The full JSON Schema is named rather than pasted (70 KB of it would
 * crowd out the repository map); the agent can read it.
 */
import type { Issue } from '../errors.js';
import type { RepoMap } from './repo-map.js';

export interface DraftPromptInput {
  goal: string;
  /** TODONE_DRAFT_FILE: the only file the agent writes. */
  draftFile: string;
  /** Where the board will live (its relative paths start from its folder). */
  output: string;
  map: RepoMap;
  /** The agent kind tasks should use by default, when the user chose one. */
  taskAgent?: string;
  /** The JSON Schema's path, when Todone's installation has it. */
  schemaFile?: string;
  /** 1 for the first attempt. */
  round: number;
  /** The loader's problems with the previous draft. */
  problems?: readonly Issue[];
}

const MAX_PROBLEMS = 50;

export function draftPrompt(input: DraftPromptInput): string {
  const { map } = input;
  const sections: string[] = [];
  if (input.round > 1 && input.problems) {
    const shown = input.problems.slice(0, MAX_PROBLEMS);
    sections.push(
      `# Fix the board you wrote (attempt ${input.round})`,
      `Todone's loader refused the board in ${input.draftFile}. Fix every problem below (each names the ` +
        'field by its path, e.g. tasks[2].dependsOn[0]) and write the whole corrected board to the same file:',
      ...shown.map((p) => `- ${p.path ? `${p.path}: ` : ''}${p.message}`),
      ...(input.problems.length > shown.length ? [`- … and ${input.problems.length - shown.length} more`] : []),
      '',
    );
  }
  sections.push(
    '# Write a Todone board for this goal',
    '',
    `Goal: ${input.goal}`,
    '',
    `Write the board as YAML to this file, and change nothing else: ${input.draftFile}`,
    '(it is also in the environment variable TODONE_DRAFT_FILE). Do not carry out the goal yourself: ' +
      'the board you write is what will do the work, task by task, each in its own git worktree.',
    `The board will be saved as ${input.output}; relative paths in it (repo, workdir) start from that file's folder.`,
    '',
    '## The repository',
    '',
    `Root: ${map.root} (${map.totalFiles} files${map.totalFiles > map.files.length ? `, ${map.files.length} listed` : ''})`,
    ...(map.totalFiles > map.files.length
      ? [
          'Folders: ' +
            map.folders
              .slice(0, 30)
              .map((f) => `${f.name} (${f.files})`)
              .join(', '),
        ]
      : []),
    '',
    ...map.files.map((file) => `- ${file}`),
    '',
    ...(map.commands.length
      ? ['Build and test commands found:', ...map.commands.map((c) => `- \`${c.run}\`: ${c.what}`), '']
      : [
          'No build or test commands were found in package.json, a Makefile, Cargo.toml, go.mod or pyproject.toml.',
          '',
        ]),
    '## A board',
    '',
    '```yaml',
    'name: Short name of the goal',
    `goal: ${oneLine(input.goal)}   # goes into every task's prompt`,
    'repo: .                       # the git repository the tasks change (relative to the board file)',
    'maxParallel: 3',
    `agent: { kind: ${input.taskAgent ?? 'claude'} }   # the default agent of every task (claude, codex, gemini, aider)`,
    'validators:                   # checks per task type, run after the agent; a failing check fails the attempt',
    '  build: [npm run build]',
    '  test: [npm test]',
    'tasks:',
    '  - id: parser                # letters, digits, ".", "_", "-"',
    '    type: build               # build, test, analyze, document, review, deploy, generic',
    '    description: >-',
    '      What to do, precisely, naming the files to change (src/parser.ts). The agent sees only this,',
    "      the goal and its dependencies' summaries.",
    '    estimate: 20m             # expected duration: drives the critical path and priorities',
    '    validate: [npm test -- parser]   # checks of this task',
    '  - id: docs',
    '    type: document',
    '    dependsOn: [parser]       # starts once parser has succeeded, from a commit holding its work',
    '    description: Document the parser in docs/parser.md.',
    '    estimate: 10m',
    '```',
    '',
    ...(input.schemaFile ? [`Every field is described by the JSON Schema in ${input.schemaFile}.`, ''] : []),
    '## What makes a good board',
    '',
    '- Tasks of a few minutes to an hour each, each one coherent change an agent can finish alone.',
    "- Explicit dependencies (dependsOn): a task that needs another's work depends on it; independent tasks do not, so they run in parallel.",
    '- An estimate on every task.',
    '- Checks that prove the work (validate, or validators by type), using the commands the repository really has.',
    '- Tasks that may run at the same time do not change the same files: their merges would conflict. Name the files each task changes in its description; make one depend on the other when they must share a file.',
    '- No secrets in the board; an environment value is given as { fromEnv: NAME }.',
  );
  return sections.join('\n') + '\n';
}

function oneLine(text: string): string {
  return JSON.stringify(text.replace(/\s+/g, ' ').trim());
}
