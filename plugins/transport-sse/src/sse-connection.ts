import type { IncomingMessage, ServerResponse } from "node:http";
import { EventFeed, eventJson, type AgentEvent, type EventLog, type OverflowLimit, type StreamRequest } from "@agentd/core";

export interface SseSettings {
  heartbeatMs: number;
  retryMs: number;
  maxBufferBytes: number;
}

/** Why the server ends a stream; sent as a final named event so the client knows what to do. */
export type SseEnd = "overflow" | "shutdown" | "dropped" | "revoked";

/** Sent with `event: revoked`: why the stream ended and that its credentials will not open another. */
const REVOKED_REASON = "the token that opened this stream was revoked (a run token ends with its run); this token and its tickets cannot open another stream";

/**
 * One `text/event-stream` response. Frames:
 *   `event: ready`  once, `id:` and data `{cursor, last_seq}`: the stream is live from `cursor`.
 *   (unnamed)       one per event: `id: <seq>`, `data: <event JSON>` (the type is in `event_type`).
 *   `: ping`        comment heartbeat.
 *   `event: overflow` / `event: shutdown` / `event: dropped`: data `{cursor}` (an overflow caused by the
 *                   daemon-wide budget adds `limit: "max_stream_buffer_bytes"`), then the response ends.
 *   `event: revoked` data `{cursor, reason}`: the credentials were revoked; do not reconnect with them.
 */
export class SseConnection {
  private readonly feed: EventFeed;
  private readonly heartbeat: NodeJS.Timeout;
  private ended = false;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    events: EventLog,
    request: StreamRequest,
    private readonly settings: SseSettings,
    onClose: (c: SseConnection) => void,
  ) {
    const socket = req.socket;
    socket.setTimeout(0);
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
      // One stream per connection: when it ends the socket closes, so its buffer is freed with it.
      connection: "close",
      // Access-Control-Allow-Origin, when the Origin is allowed, was set by core's request guard.
    });
    this.feed = EventFeed.forRequest(events, request, settings.maxBufferBytes, {
      send: (event) => this.write(eventFrame(event)),
      buffered: () => this.buffered,
      drained: () => this.drained(),
      overflow: (cursor, limit) => this.end("overflow", cursor, limit),
      revoked: (cursor) => this.end("revoked", cursor),
    });
    this.write(`retry: ${settings.retryMs}\nevent: ready\nid: ${this.feed.cursor}\ndata: ${JSON.stringify({ cursor: this.feed.cursor, last_seq: events.durableSeq })}\n\n`);
    this.heartbeat = setInterval(() => {
      if (this.feed.checkBackpressure()) this.write(": ping\n\n");
    }, settings.heartbeatMs);
    res.on("close", () => this.cleanup());
    req.on("error", () => this.cleanup());
    // Counted until the socket is gone: an ended stream's unsent bytes are still ours to hold.
    socket.once("close", () => {
      this.feed.dispose();
      onClose(this);
    });
    this.feed.start().catch((err: unknown) => {
      this.write(`event: failed\ndata: ${JSON.stringify({ message: `replay failed: ${String(err)}; reconnect with the same cursor` })}\n\n`);
      this.res.end();
    });
  }

  /** Bytes queued for this client and not yet taken by the network. */
  get buffered(): number {
    return this.req.socket.destroyed ? 0 : Math.max(this.res.writableLength, this.req.socket.writableLength);
  }

  get cursor(): number {
    return this.feed.cursor;
  }

  /** End the stream with a final named event carrying the resume cursor. */
  end(reason: SseEnd, cursor = this.feed.cursor, limit?: OverflowLimit): void {
    if (this.ended) return;
    this.feed.close();
    const data = reason === "revoked" ? { cursor, reason: REVOKED_REASON } : limit === "max_stream_buffer_bytes" ? { cursor, limit } : { cursor };
    this.write(`event: ${reason}\ndata: ${JSON.stringify(data)}\n\n`);
    this.ended = true;
    this.res.end();
    // A peer that stopped reading never flushes; do not keep its buffer around.
    setTimeout(() => this.req.socket.destroy(), 5_000).unref();
  }

  private write(frame: string): void {
    if (!this.ended && !this.res.writableEnded && !this.res.destroyed) this.res.write(frame);
  }

  private drained(): Promise<void> {
    if (!this.res.writableNeedDrain || this.ended) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.res.off("drain", done);
        this.res.off("close", done);
        resolve();
      };
      this.res.on("drain", done);
      this.res.on("close", done);
    });
  }

  private cleanup(): void {
    this.ended = true;
    clearInterval(this.heartbeat);
    this.feed.close();
  }
}

// One frame per event for every connection (the same object reaches each subscriber).
const frames = new WeakMap<AgentEvent, string>();
const eventFrame = (event: AgentEvent): string => {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = `id: ${event.seq}\ndata: ${eventJson(event)}\n\n`;
    frames.set(event, frame);
  }
  return frame;
};
