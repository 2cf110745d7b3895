// The board's live feed: Server-Sent Events read through fetch(), so the token travels in a header
// (EventSource cannot send one). Like EventSource it reconnects after a drop, waiting longer each
// time (the server starts every connection with a full snapshot, so nothing is lost); unlike it, it
// stops for good when the server refuses the request (a wrong token, a bad board id).
const FIRST_RETRY_MS = 1_000;
const LAST_RETRY_MS = 15_000;

/**
 * `onEvent(type, data)` for each event; `onState('open' | 'reconnecting')`, or
 * `onState('refused', { status, message })` once, after which the feed is closed.
 */
export function openLiveFeed(url, { headers, onEvent, onState }) {
  const abort = new AbortController();
  let retryMs = FIRST_RETRY_MS;
  const pause = (ms) =>
    new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        abort.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      abort.signal.addEventListener('abort', done);
    });
  const run = async () => {
    while (!abort.signal.aborted) {
      try {
        const response = await fetch(url, {
          headers: { Accept: 'text/event-stream', ...headers() },
          cache: 'no-store',
          signal: abort.signal,
        });
        if (!response.ok) {
          const body = await response.json().catch(() => ({}));
          if (!abort.signal.aborted)
            onState('refused', { status: response.status, message: body.error ?? response.statusText });
          return;
        }
        if (abort.signal.aborted) return;
        onState('open');
        retryMs = FIRST_RETRY_MS;
        await readEvents(response.body, onEvent);
      } catch {
        // A dropped connection or a stopped server: try again below, unless closed.
      }
      if (abort.signal.aborted) return;
      onState('reconnecting');
      await pause(retryMs);
      retryMs = Math.min(retryMs * 2, LAST_RETRY_MS);
    }
  };
  void run();
  return {
    close() {
      abort.abort();
    },
  };
}

/** The text/event-stream format: `event:` and `data:` lines, a blank line ends an event, `:` a comment. */
async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let type = 'message';
  let data = [];
  const line = (text) => {
    if (text === '') {
      if (data.length) onEvent(type, data.join('\n'));
      type = 'message';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    const value = colon === -1 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
  };
  // The pieces of a line whose end has not arrived: a big board's snapshot is one line over many
  // chunks, joined once when it ends rather than copied again with every chunk.
  let pending = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    let start = 0;
    for (let end = value.indexOf('\n'); end !== -1; end = value.indexOf('\n', start)) {
      pending.push(value.slice(start, end));
      line(pending.join('').replace(/\r$/, ''));
      pending = [];
      start = end + 1;
    }
    if (start < value.length) pending.push(value.slice(start));
  }
}
