/**
 * Keeps the last `limit` characters of a stream and counts the rest, so an agent that prints
 * gigabytes costs a fixed amount of memory and payload.
 */
export class OutputTail {
  private text = '';
  bytes = 0;

  constructor(private readonly limit = 4_096) {}

  push(chunk: Buffer | string): void {
    const piece = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    this.add(piece, typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length);
  }

  /** Text that stands for `bytes` of output (redacted output is counted as the process printed it). */
  add(text: string, bytes: number): void {
    this.bytes += bytes;
    this.text = (this.text + text).slice(-this.limit);
  }

  get tail(): string {
    return this.text;
  }

  get lastLine(): string {
    const lines = this.text.trimEnd().split('\n');
    return (lines[lines.length - 1] ?? '').slice(0, 200);
  }
}
