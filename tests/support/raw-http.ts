/** Requests no HTTP client would send, written on a socket as they are. */
import net from 'node:net';

/** The status line a server on 127.0.0.1 answers to `requestLine` (e.g. `GET //[`). */
export function rawStatusLine(port: number, requestLine: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = net.connect(port, '127.0.0.1', () =>
      socket.write(
        `${requestLine} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      ),
    );
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${requestLine} within 10 s`)));
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
  });
}
