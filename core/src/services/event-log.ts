import type { Storage, StorageTx } from "../storage/types.ts";
import type { AgentEvent } from "../types.ts";

export type EventListener = (event: AgentEvent) => void;

interface EventRow {
  [k: string]: string | number | null;
  seq: number;
  session_id: string;
  run_id: string | null;
  event_type: string;
  data: string;
  created_at: string;
}

export const toEvent = (r: EventRow): AgentEvent => ({
  seq: r.seq,
  session_id: r.session_id,
  run_id: r.run_id,
  event_type: r.event_type,
  data: JSON.parse(r.data) as Record<string, unknown>,
  created_at: r.created_at,
});

/**
 * The sessions a non-admin reader may see, as SQL can select them (through the sessions_owner,
 * sessions_parent and events_session indexes): a user's own sessions, or a run token's tree.
 */
export type VisibilityScope = { owner: string } | { tree: string };

export interface ReadOptions {
  /** Only this session; omit for every session (then `scope` or `visible` filters). */
  sessionId?: string;
  /** Events with seq strictly greater than this. */
  after: number;
  /** Events with seq at most this (default: the durable end of the log). */
  upTo?: number;
  limit: number;
  /** Only events of sessions in this scope, selected in SQL; applied when sessionId is omitted. */
  scope?: VisibilityScope;
  /**
   * Session ids the reader may see, filtered in JS after reading every event: it scans the whole
   * range in one call, so prefer `scope`. Applied when neither sessionId nor scope is given.
   */
  visible?: (sessionId: string) => boolean;
}

const SCOPED_SQL = {
  owner: "SELECT * FROM events WHERE seq > ? AND seq <= ? AND session_id IN (SELECT id FROM sessions WHERE owner = ?) ORDER BY seq LIMIT ?",
  tree:
    "WITH RECURSIVE tree(id) AS (SELECT ? UNION SELECT s.id FROM sessions s JOIN tree t ON s.parent_session_id = t.id) " +
    "SELECT * FROM events WHERE seq > ? AND seq <= ? AND session_id IN tree ORDER BY seq LIMIT ?",
} as const;

/**
 * The durable, ordered event log: the spine every transport and cursor read uses.
 * Events are appended inside a storage transaction and published to subscribers only after the
 * transaction is durable, in seq order. Reads never return an event beyond `durableSeq`, so a
 * cursor a client saw can never be reused by a different event after a crash.
 */
export class EventLog {
  private nextSeq = 1;
  private durable = 0;
  private readonly listeners = new Set<EventListener>();

  constructor(private readonly storage: Storage) {}

  init(): void {
    const row = this.storage.get<{ m: number | null }>("SELECT MAX(seq) AS m FROM events");
    this.durable = row?.m ?? 0;
    this.nextSeq = this.durable + 1;
  }

  get durableSeq(): number {
    return this.durable;
  }

  /** Append inside a transaction. The caller publishes after durability (see Db.write). */
  append(tx: StorageTx, sessionId: string, runId: string | null, eventType: string, data: Record<string, unknown>): AgentEvent {
    const event: AgentEvent = {
      seq: this.nextSeq++,
      session_id: sessionId,
      run_id: runId,
      event_type: eventType,
      data,
      created_at: new Date().toISOString(),
    };
    tx.run("INSERT INTO events (seq, session_id, run_id, event_type, data, created_at) VALUES (?, ?, ?, ?, ?, ?)", [
      event.seq,
      event.session_id,
      event.run_id,
      event.event_type,
      JSON.stringify(event.data),
      event.created_at,
    ]);
    return event;
  }

  /** Undo seq allocation of a transaction that threw (nothing of it was kept). */
  rewindTo(seq: number): void {
    this.nextSeq = seq;
  }

  peekNextSeq(): number {
    return this.nextSeq;
  }

  /** Called by Db once the events' transaction is durable, in commit order. */
  publish(events: readonly AgentEvent[], onObserverError: (err: unknown) => void): void {
    for (const event of events) {
      if (event.seq > this.durable) this.durable = event.seq;
      for (const listener of this.listeners) {
        try {
          listener(event);
        } catch (err) {
          onObserverError(err);
        }
      }
    }
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  read(opts: ReadOptions): AgentEvent[] {
    const upTo = Math.min(this.durable, opts.upTo ?? this.durable);
    if (opts.sessionId === undefined && opts.scope) {
      const scope = opts.scope;
      const rows = "owner" in scope
        ? this.storage.all<EventRow>(SCOPED_SQL.owner, [opts.after, upTo, scope.owner, opts.limit])
        : this.storage.all<EventRow>(SCOPED_SQL.tree, [scope.tree, opts.after, upTo, opts.limit]);
      return rows.map(toEvent);
    }
    if (opts.sessionId !== undefined) {
      return this.storage
        .all<EventRow>("SELECT * FROM events WHERE session_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?", [
          opts.sessionId,
          opts.after,
          upTo,
          opts.limit,
        ])
        .map(toEvent);
    }
    const out: AgentEvent[] = [];
    let after = opts.after;
    // Page through the global log, filtering by visibility, until `limit` events are found.
    while (out.length < opts.limit) {
      const rows = this.storage.all<EventRow>("SELECT * FROM events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?", [after, upTo, 500]);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (!opts.visible || opts.visible(row.session_id)) out.push(toEvent(row));
        if (out.length >= opts.limit) break;
      }
      after = rows[rows.length - 1].seq;
    }
    return out;
  }
}
