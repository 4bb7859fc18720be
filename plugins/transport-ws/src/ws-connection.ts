import { EventFeed, eventJson, type EventLog, type OverflowLimit, type StreamRequest } from "@agentd/core";
import type { WebSocket } from "ws";

/**
 * Close codes; the reason of 4008, 4000, 1001 and 4401 is JSON with `cursor`, the seq to resume after
 * (4008 from the daemon-wide budget adds `"limit":"max_stream_buffer_bytes"`; 4401 adds `"reason":"revoked"`).
 */
export const CLOSE = {
  /** Server shutting down: reconnect (with backoff) and resume. */
  shutdown: 1001,
  /** Unexpected server error: reconnect and resume. */
  internal: 1011,
  /** Credentials no longer valid after the upgrade (a run token revoked at its run's end): get new ones before reconnecting. */
  unauthorized: 4401,
  /** Too slow: the per-connection buffer limit was exceeded; reconnect and resume. */
  tooSlow: 4008,
  /** Closed by the server on request (operator or test): reconnect and resume. */
  dropped: 4000,
} as const;

export interface WsSettings {
  maxBufferBytes: number;
}

/**
 * One WebSocket stream. Frames (text, JSON):
 *   `{"type":"ready","cursor":N,"last_seq":M}` once: live from `cursor`.
 *   the event objects of the REST API (`{seq, session_id, run_id, event_type, data, created_at}`).
 */
export class WsConnection {
  alive = true;
  private readonly feed: EventFeed;
  private waiters: Array<() => void> = [];
  /** Replay resumes once the queue is below this (the feed pauses above half the limit). */
  private readonly lowWater: number;

  constructor(
    readonly ws: WebSocket,
    events: EventLog,
    request: StreamRequest,
    settings: WsSettings,
    onClose: (c: WsConnection) => void,
  ) {
    this.lowWater = Math.floor(settings.maxBufferBytes / 4);
    this.feed = EventFeed.forRequest(events, request, settings.maxBufferBytes, {
      send: (event) => this.send(eventJson(event)),
      buffered: () => ws.bufferedAmount,
      drained: () => this.drained(),
      overflow: (cursor, limit) => this.close(CLOSE.tooSlow, cursor, limit === "max_stream_buffer_bytes" ? { limit } : {}),
      revoked: (cursor) => this.close(CLOSE.unauthorized, cursor, { reason: "revoked" }),
    });
    ws.on("pong", () => (this.alive = true));
    ws.on("message", () => undefined); // clients have nothing to say; frames are ignored
    ws.on("error", () => undefined); // a broken peer shows up as close
    ws.on("close", () => {
      this.feed.dispose();
      this.wake();
      onClose(this);
    });
    this.send(JSON.stringify({ type: "ready", cursor: this.feed.cursor, last_seq: events.durableSeq }));
    this.feed.start().catch(() => this.close(CLOSE.internal, this.feed.cursor));
  }

  /** Bytes queued for this client and not yet taken by the network. */
  get buffered(): number {
    return this.ws.bufferedAmount;
  }

  get cursor(): number {
    return this.feed.cursor;
  }

  /** Heartbeat tick: false when the peer missed the last ping (it is terminated). */
  heartbeat(): boolean {
    if (!this.alive) {
      this.feed.close();
      this.ws.terminate();
      return false;
    }
    this.alive = false;
    if (this.feed.checkBackpressure()) this.ws.ping();
    return true;
  }

  close(code: number, cursor = this.feed.cursor, extra: Record<string, string> = {}): void {
    this.feed.close();
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.close(code, JSON.stringify({ cursor, ...extra })); // under the 123-byte limit of a close reason
    // A peer that stopped reading never answers the close frame; do not keep its buffer.
    setTimeout(() => this.ws.terminate(), 5_000).unref();
  }

  private send(frame: string): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.ws.send(frame, () => {
      if (this.waiters.length > 0 && this.ws.bufferedAmount <= this.lowWater) this.wake();
    });
  }

  private drained(): Promise<void> {
    if (this.ws.bufferedAmount <= this.lowWater || this.ws.readyState !== this.ws.OPEN) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
