/**
 * Server-Sent Events read through `fetch`: `EventSource` cannot send an `Authorization` header, and
 * with API keys on `GET /jobs/{id}/events` needs one. No imports, so Node tests load it as it is.
 */

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Incremental parser for the `text/event-stream` format (WHATWG HTML §9.2): lines end in CRLF, LF
 * or CR; `:` starts a comment; a blank line dispatches the event; several `data:` lines join with
 * newlines; an event with no data is dropped. Chunks may split lines (and a CRLF) anywhere.
 */
export class SseParser {
  private buffer = '';
  private skipLf = false;
  private event = '';
  private data: string[] = [];
  private id: string | undefined;

  /** Feeds decoded text; returns the events it completed. */
  push(text: string): SseEvent[] {
    const out: SseEvent[] = [];
    let s = this.buffer + text;
    if (this.skipLf && s.startsWith('\n')) s = s.slice(1);
    this.skipLf = false;
    let start = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s[i];
      if (c !== '\n' && c !== '\r') continue;
      this.line(s.slice(start, i), out);
      if (c === '\r') {
        if (i + 1 === s.length)
          this.skipLf = true; // the LF of this CRLF may come in the next chunk
        else if (s[i + 1] === '\n') i++;
      }
      start = i + 1;
    }
    this.buffer = s.slice(start);
    return out;
  }

  private line(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) {
        out.push({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
      }
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.id = value;
  }
}

/** Yields the events of a response body until the server closes it (or the caller's signal aborts the fetch). */
export async function* readEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      yield* parser.push(decoder.decode(value, { stream: true }));
    }
    // An event the stream ended in the middle of is dropped, as EventSource does.
    yield* parser.push(decoder.decode());
  } finally {
    reader.releaseLock();
  }
}
