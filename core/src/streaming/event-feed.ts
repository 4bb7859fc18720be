import type { EventLog } from "../services/event-log.ts";
import type { AgentEvent } from "../types.ts";
import type { StreamRequest } from "./stream-request.ts";

/** What a transport gives the feed: one client connection. */
export interface FeedSink {
  /** Hand one event to the connection (serialize and queue it). */
  send(event: AgentEvent): void;
  /** Bytes queued on this connection and not yet taken by the network. */
  buffered(): number;
  /** Settles once the queue has drained (or the connection is gone). */
  drained(): Promise<void>;
  /** The client is too slow: close it with the transport's documented code and this resume cursor. */
  overflow(cursor: number): void;
}

export interface FeedOptions {
  events: EventLog;
  /** Only this session's events; omit for every session `visible` allows. */
  sessionId?: string;
  visible?: (sessionId: string) => boolean;
  /** Deliver events with seq > cursor; null means "from now". */
  cursor: number | null;
  /** Past this many queued bytes in live mode the connection is closed via `overflow`. */
  maxBufferedBytes: number;
  sink: FeedSink;
  /** Events read from storage per replay page. */
  pageSize?: number;
  /** Called once when the feed closes (frees the stream slot). */
  onClose?: () => void;
}

/** Live events held while replaying; past this the feed rereads storage instead of holding more. */
const MAX_PENDING = 1000;

/**
 * Gapless replay-then-live delivery for one connection, shared by every transport.
 * 1. Subscribe to live events first (held in `pending` while replaying).
 * 2. Replay from storage after the cursor, a page at a time, waiting for the connection to drain
 *    between pages (so a huge backlog never sits in memory).
 * 3. When storage has nothing more, forward the held live events and switch to live mode.
 * Every delivery drops seq <= the last delivered one, so the switch-over has no duplicate, and
 * because the subscription predates the last read, it has no gap.
 */
export class EventFeed {
  private lastSent: number;
  private mode: "replay" | "live" | "closed" = "replay";
  private pending: AgentEvent[] = [];
  private pendingDropped = false;
  private readonly unsubscribe: () => void;
  private readonly pageSize: number;

  /** The feed for one authorized stream request (what every transport does with a new connection). */
  static forRequest(events: EventLog, request: StreamRequest, maxBufferedBytes: number, sink: FeedSink): EventFeed {
    const { sessionId, visible, cursor, release } = request;
    return new EventFeed({ events, sessionId, visible, cursor, onClose: release, maxBufferedBytes, sink });
  }

  constructor(private readonly opts: FeedOptions) {
    this.unsubscribe = opts.events.subscribe((event) => this.onLive(event));
    this.lastSent = opts.cursor ?? opts.events.durableSeq;
    this.pageSize = opts.pageSize ?? 500;
  }

  /** The seq of the last event handed to the connection: where a client resumes. */
  get cursor(): number {
    return this.lastSent;
  }

  get live(): boolean {
    return this.mode === "live";
  }

  /** Replay, then go live. Rejects only if storage fails (the transport then closes the connection). */
  async start(): Promise<void> {
    const { events, sessionId, visible, sink, maxBufferedBytes } = this.opts;
    while (this.mode === "replay") {
      const page = events.read({ sessionId, visible: sessionId === undefined ? visible : undefined, after: this.lastSent, limit: this.pageSize });
      for (const event of page) this.deliver(event);
      if (page.length < this.pageSize) {
        if (this.pendingDropped) {
          // Live events arrived faster than we could hold them: they are all in storage, read again.
          this.pendingDropped = false;
          this.pending = [];
          continue;
        }
        const held = this.pending;
        this.pending = [];
        this.mode = "live";
        for (const event of held) this.deliver(event);
        return;
      }
      if (sink.buffered() > maxBufferedBytes / 2) await sink.drained();
    }
  }

  /** Stop receiving events (connection closed). Idempotent. */
  close(): void {
    if (this.mode === "closed") return;
    this.mode = "closed";
    this.pending = [];
    this.unsubscribe();
    this.opts.onClose?.();
  }

  /** A stalled connection in live mode (checked on heartbeats too): close it before it grows. */
  checkBackpressure(): boolean {
    if (this.mode !== "live" || this.opts.sink.buffered() <= this.opts.maxBufferedBytes) return true;
    this.close();
    this.opts.sink.overflow(this.lastSent);
    return false;
  }

  private matches(event: AgentEvent): boolean {
    if (this.opts.sessionId !== undefined) return event.session_id === this.opts.sessionId;
    return this.opts.visible ? this.opts.visible(event.session_id) : true;
  }

  private onLive(event: AgentEvent): void {
    if (this.mode === "closed" || event.seq <= this.lastSent || !this.matches(event)) return;
    if (this.mode === "replay") {
      if (this.pendingDropped) return;
      if (this.pending.length >= MAX_PENDING) {
        this.pending = [];
        this.pendingDropped = true;
      } else this.pending.push(event);
      return;
    }
    if (this.checkBackpressure()) this.deliver(event);
  }

  private deliver(event: AgentEvent): void {
    if (this.mode === "closed" || event.seq <= this.lastSent) return;
    this.opts.sink.send(event);
    this.lastSent = event.seq;
  }
}
