/**
 * Checks the relative links of markdown files the way GitHub resolves them: the file (or folder)
 * must exist inside the repository, and an anchor must name a heading of the target file (GitHub's
 * slugs, duplicates numbered) or an explicit `id`/`name`. Code blocks and code spans are not
 * links. Setext headings (underlined with `===`) are not recognised: these docs use `#` headings.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import GithubSlugger from 'github-slugger';

export interface BrokenLink {
  /** The markdown file holding the link, relative to the root. */
  file: string;
  line: number;
  target: string;
  problem: string;
}

interface Link {
  line: number;
  target: string;
}

const EXTERNAL = /^(?:[a-z][a-z0-9+.-]*:|\/\/)/i;

/** The text with fenced code blocks blanked out, so line numbers stay right. */
function withoutFences(markdown: string): string {
  const lines = markdown.split('\n');
  let fence: string | undefined;
  const kept = lines.map((line) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && marker !== undefined) {
      fence = marker;
      return '';
    }
    if (fence !== undefined) {
      const closing = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line)?.[1];
      if (closing !== undefined && closing[0] === fence[0] && closing.length >= fence.length) fence = undefined;
      return '';
    }
    return line;
  });
  return kept.join('\n');
}

/** The text with fenced code blocks and code spans blanked out, so line numbers stay right. */
export function withoutCode(markdown: string): string {
  // A run of backticks opens a code span and the next run of the same length closes it, within one
  // paragraph: a span may wrap onto the next line but never crosses a blank one.
  return withoutFences(markdown).replace(/(?<!`)(`+)(?!`)((?:(?!\n[ \t]*\n)[\s\S])*?[^`])\1(?!`)/g, (span) =>
    span.replace(/[^\n]/g, ' '),
  );
}

/** Every link target in the markdown: inline links and images, reference definitions, HTML href/src. */
export function linksOf(markdown: string): Link[] {
  const text = withoutCode(markdown);
  const links: Link[] = [];
  const lineAt = (index: number) => text.slice(0, index).split('\n').length;
  const patterns = [
    /\]\(\s*(<[^>\n]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g,
    /^ {0,3}\[[^\]\n]+\]:\s*(<[^>\n]*>|\S+)/gm,
    /\s(?:href|src)\s*=\s*"([^"]*)"/g,
  ];
  for (const pattern of patterns) {
    for (const match of text.matchAll(pattern)) {
      const raw = match[1] ?? '';
      links.push({ line: lineAt(match.index), target: raw.replace(/^<|>$/g, '') });
    }
  }
  return links.sort((a, b) => a.line - b.line);
}

/** The anchors a markdown file offers: its headings' GitHub slugs and explicit HTML ids/names. */
export function anchorsOf(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  for (const line of withoutFences(markdown).split('\n')) {
    const heading = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    // GitHub slugs the rendered text: a link counts by its text, code by its content.
    const rendered = heading.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, '');
    anchors.add(slugger.slug(rendered));
  }
  for (const match of markdown.matchAll(/<a\s[^>]*?(?:id|name)\s*=\s*"([^"]+)"/g)) anchors.add(match[1] ?? '');
  return anchors;
}

/** Checks every relative link of `files` (paths relative to `root`); returns what does not resolve. */
export function brokenLinks(root: string, files: readonly string[]): BrokenLink[] {
  const broken: BrokenLink[] = [];
  const anchorCache = new Map<string, Set<string>>();
  const anchorsIn = (file: string) => {
    let anchors = anchorCache.get(file);
    if (!anchors) {
      anchors = anchorsOf(readFileSync(file, 'utf8'));
      anchorCache.set(file, anchors);
    }
    return anchors;
  };
  for (const file of files) {
    const absolute = path.join(root, file);
    for (const { line, target } of linksOf(readFileSync(absolute, 'utf8'))) {
      if (EXTERNAL.test(target)) continue;
      const report = (problem: string) => broken.push({ file, line, target, problem });
      const hash = target.indexOf('#');
      const pathPart = (hash === -1 ? target : target.slice(0, hash)).replace(/\?.*$/, '');
      const anchor = hash === -1 ? undefined : target.slice(hash + 1);
      let decoded: string;
      try {
        decoded = decodeURIComponent(pathPart);
      } catch {
        report('is not a valid URL path');
        continue;
      }
      const resolved =
        decoded === ''
          ? absolute
          : decoded.startsWith('/')
            ? path.join(root, decoded)
            : path.resolve(path.dirname(absolute), decoded);
      const inside = path.relative(root, resolved);
      if (inside.startsWith('..') || path.isAbsolute(inside)) {
        report('points outside the repository');
        continue;
      }
      if (!existsSync(resolved)) {
        report(`${inside} does not exist`);
        continue;
      }
      if (anchor === undefined || !resolved.endsWith('.md') || !statSync(resolved).isFile()) continue;
      if (!anchorsIn(resolved).has(anchor)) report(`no heading of ${inside || file} has the anchor #${anchor}`);
    }
  }
  return broken;
}
