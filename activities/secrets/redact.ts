/**
 * Replaces every resolved secret value in text before it leaves the task activity: the log files
 * as they are written, the output tail, heartbeat lines, the agent's summary and error, the checks'
 * output. A stream is redacted across chunk boundaries: a value split between two reads is still
 * caught, because the end of each chunk that could begin a value is held back until the next.
 */
import type { Secret } from './resolve-env.js';

/** Shorter values are not redacted: replacing every "1" or "yes" would garble the log and hide nothing. */
export const MIN_SECRET_LENGTH = 4;

export class Redactor {
  private readonly pattern: RegExp | undefined;
  private readonly names = new Map<string, string>();
  /** The longest form; a stream holds back one character less than this. */
  readonly longest: number;

  constructor(secrets: readonly Secret[]) {
    for (const { name, value } of secrets) {
      if (value.length < MIN_SECRET_LENGTH) continue;
      for (const form of encodings(value)) if (!this.names.has(form)) this.names.set(form, name);
    }
    // Longest first, so a value that contains another is replaced whole.
    const forms = [...this.names.keys()].sort((a, b) => b.length - a.length);
    this.longest = forms[0]?.length ?? 0;
    this.pattern = forms.length > 0 ? new RegExp(forms.map(escapeRegExp).join('|'), 'g') : undefined;
  }

  get active(): boolean {
    return this.pattern !== undefined;
  }

  redact(text: string): string {
    if (!this.pattern) return text;
    return text.replace(this.pattern, (form) => marker(this.names.get(form)!));
  }

  /** A redactor for one stream of text arriving in pieces. */
  stream(): RedactingStream {
    return new RedactingStream(this);
  }

  /** @internal the stream's matcher. */
  matches(text: string): IterableIterator<RegExpMatchArray> {
    return text.matchAll(this.pattern!);
  }

  /** @internal */
  replacementFor(form: string): string {
    return marker(this.names.get(form)!);
  }
}

export class RedactingStream {
  private pending = '';

  constructor(private readonly redactor: Redactor) {}

  /** The part of what arrived so far that is safe to write; the rest waits for the next piece. */
  push(text: string): string {
    if (!this.redactor.active) return text;
    const all = this.pending + text;
    // A value that starts here might not have fully arrived yet.
    const holdFrom = Math.max(0, all.length - (this.redactor.longest - 1));
    const out: string[] = [];
    let position = 0;
    for (const match of this.redactor.matches(all)) {
      const at = match.index ?? 0;
      if (at >= holdFrom) break;
      out.push(all.slice(position, at), this.redactor.replacementFor(match[0]));
      position = at + match[0].length;
    }
    const keepFrom = Math.max(position, holdFrom);
    out.push(all.slice(position, keepFrom));
    this.pending = all.slice(keepFrom);
    return out.join('');
  }

  /** Whatever was held back, redacted: the stream has ended. */
  end(): string {
    const rest = this.redactor.redact(this.pending);
    this.pending = '';
    return rest;
  }
}

function marker(name: string): string {
  return `[secret ${name} redacted]`;
}

/** The value as printed, and as a JSON string or a URL would carry it (CLIs print both). */
function encodings(value: string): string[] {
  const forms = new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)]);
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Redacts every string inside a JSON-like value (an outcome about to be returned). */
export function redactDeep<T>(value: T, redactor: Redactor): T {
  if (!redactor.active) return value;
  if (typeof value === 'string') return redactor.redact(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactDeep(item, redactor)) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, redactDeep(item as unknown, redactor)]),
    ) as T;
  }
  return value;
}
