import type { EventLog, VisibilityScope } from "../services/event-log.ts";
import type { AgentEvent } from "../types.ts";
import { eventJson } from "./event-json.ts";
import type { BudgetedStream, StreamBudget } from "./stream-budget.ts";
import type { Revocation } from "./stream-limits.ts";
import type { StreamRequest } from "./stream-request.ts";

/** Which limit closed a stream for being too slow: its own, or the daemon-wide budget. */
export type OverflowLimit = "connection" | "max_stream_buffer_bytes";

/** What a transport gives the feed: one client connection. */
export interface FeedSink {
  /** Hand one event to the connection (serialize and queue it). */
  send(event: AgentEvent): void;
  /** Bytes queued on this connection and not yet taken by the network. */
  buffered(): number;
  /** Settles once the queue has drained (or the connection is gone). */
  drained(): Promise<void>;
  /** The client is too slow: close it with the transport's documented code and this resume cursor. */
  overflow(cursor: number, limit: OverflowLimit): void;
  /** The credentials the stream was opened with were revoked: close it for good (no resume with them). */
  revoked(cursor: number): void;
}

export interface FeedOptions {
  events: EventLog;
  /** Only this session's events; omit for every session `visible` allows. */
  sessionId?: string;
  /** Live filter for an all-sessions stream of a non-admin. */
  visible?: (sessionId: string) => boolean;
  /** The same visibility in SQL, for replay (reads only visible events, through indexes). */
  scope?: VisibilityScope;
  /** Deliver events with seq > cursor; null means "from now". */
  cursor: number | null;
  /** Past this many queued bytes in live mode the connection is closed via `overflow`. */
  maxBufferedBytes: number;
  sink: FeedSink;
  /** Events read from storage per replay page. */
  pageSize?: number;
  /** Called once when the feed closes (frees the stream slot). */
  onClose?: () => void;
  /** Closes the feed (sink.revoked) when the principal's credentials are revoked. */
  revocation?: Revocation;
  /** The daemon-wide buffered-bytes budget this stream counts against. */
  budget?: StreamBudget;
}

/** Live events held while replaying; past this the feed rereads storage instead of holding more. */
const MAX_PENDING = 1000;
/** A scoped replay reads seq windows this many pages wide at first, doubling while they come back sparse. */
const FIRST_WINDOW_PAGES = 4;
const MAX_WINDOW_PAGES = 64;

const nextTick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Gapless replay-then-live delivery for one connection, shared by every transport.
 * 1. Subscribe to live events first (held in `pending` while replaying).
 * 2. Replay from storage after the cursor, a page at a time, yielding to the event loop between
 *    pages and waiting for the connection to drain (a huge backlog never sits in memory, and a
 *    300k-event log never blocks other requests). A non-admin's all-sessions replay reads only its
 *    sessions' events (SQL scope), in seq windows, so it never scans other principals' events in JS.
 * 3. When storage has nothing more, forward the held live events and switch to live mode.
 * Every delivery drops seq <= the last delivered one, so the switch-over has no duplicate, and
 * because the subscription predates the last read, it has no gap.
 * Transports call `dispose()` once the connection is gone (its buffer freed).
 */
export class EventFeed implements BudgetedStream {
  private lastSent: number;
  private mode: "replay" | "live" | "closed" = "replay";
  private pending: AgentEvent[] = [];
  private pendingDropped = false;
  private readonly unsubscribe: () => void;
  private unwatch: (() => void) | undefined;
  private readonly pageSize: number;

  /** The feed for one authorized stream request (what every transport does with a new connection). */
  static forRequest(events: EventLog, request: StreamRequest, maxBufferedBytes: number, sink: FeedSink): EventFeed {
    const { sessionId, visible, scope, cursor, release, revocation, budget } = request;
    return new EventFeed({ events, sessionId, visible, scope, cursor, onClose: release, maxBufferedBytes, sink, revocation, budget });
  }

  constructor(private readonly opts: FeedOptions) {
    this.unsubscribe = opts.events.subscribe((event) => this.onLive(event));
    this.lastSent = opts.cursor ?? opts.events.durableSeq;
    this.pageSize = opts.pageSize ?? 500;
    opts.budget?.add(this);
  }

  /** The seq of the last event handed to the connection: where a client resumes. */
  get cursor(): number {
    return this.lastSent;
  }

  get live(): boolean {
    return this.mode === "live";
  }

  get sheddable(): boolean {
    return this.mode !== "closed";
  }

  buffered(): number {
    return this.opts.sink.buffered();
  }

  /** Closed by the daemon-wide budget: the slow-consumer close, naming the budget. */
  shed(): void {
    if (this.mode === "closed") return;
    this.close();
    this.opts.sink.overflow(this.lastSent, "max_stream_buffer_bytes");
  }

  /** Replay, then go live. Rejects only if storage fails (the transport then closes the connection). */
  async start(): Promise<void> {
    const { events, sessionId, visible, scope, sink, maxBufferedBytes, revocation } = this.opts;
    if (revocation) {
      if (revocation.revoked) return this.revoke();
      this.unwatch = revocation.watch(() => this.revoke());
    }
    const scoped = sessionId === undefined && scope !== undefined;
    let scanned = this.lastSent; // every visible event up to here was delivered
    let windowPages = FIRST_WINDOW_PAGES;
    while (this.mode === "replay") {
      const end = events.durableSeq;
      const after = Math.max(this.lastSent, scanned);
      const upTo = scoped ? Math.min(end, after + windowPages * this.pageSize) : end;
      const page = events.read({ sessionId, scope: scoped ? scope : undefined, visible: sessionId === undefined && !scoped ? visible : undefined, after, upTo, limit: this.pageSize });
      for (const event of page) this.deliver(event);
      if (page.length < this.pageSize) {
        scanned = upTo;
        if (upTo < end) {
          windowPages = Math.min(windowPages * 2, MAX_WINDOW_PAGES);
          await nextTick();
          continue;
        }
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
      else await nextTick();
    }
  }

  /** Stop receiving events (connection closing). Idempotent. */
  close(): void {
    if (this.mode === "closed") return;
    this.mode = "closed";
    this.pending = [];
    this.unsubscribe();
    this.unwatch?.();
    this.opts.onClose?.();
  }

  /** The connection is gone (its buffer freed): stop counting it against the budget. Idempotent. */
  dispose(): void {
    this.close();
    this.opts.budget?.delete(this);
  }

  /** A stalled connection in live mode (checked on heartbeats too): close it before it grows. */
  checkBackpressure(): boolean {
    if (this.mode !== "live" || this.opts.sink.buffered() <= this.opts.maxBufferedBytes) return true;
    this.close();
    this.opts.sink.overflow(this.lastSent, "connection");
    return false;
  }

  private revoke(): void {
    if (this.mode === "closed") return;
    this.close();
    this.opts.sink.revoked(this.lastSent);
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
    this.opts.budget?.wrote(eventJson(event).length);
  }
}
