import { notFound } from "../errors.ts";
import type { StorageTx } from "../storage/types.ts";
import type { Message, MultitaskPolicy, Principal, RunStatus, Session, SessionListItem } from "../types.ts";
import type { Db } from "./db.ts";
import { newId } from "./ids.ts";
import { now, toMessage, toSession } from "./rows.ts";

export interface CreateSessionInput {
  title?: string | null;
  provider?: string;
  model?: string | null;
  cwd?: string | null;
  multitask?: MultitaskPolicy;
  parent?: { session: Session; runId: string | null };
  /** A child that wakes its parent session when it ends or asks (spawn's `wake_parent`). */
  wakeParent?: boolean;
  /** Be woken by every child (session create's `wake_on_child_events`). */
  wakeOnChildEvents?: boolean;
}

/** A mutation's extras: who acts, and a hook to write more rows in the same transaction (idempotency). */
export interface MutationOptions<T> {
  actor: Principal;
  inTx?: (tx: StorageTx, result: T) => void;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Sessions and their transcripts, with the ownership rule applied on every read. */
export class SessionService {
  constructor(private readonly db: Db) {}

  /** The principal that owns what `actor` creates: a run's token creates for the run's owner. */
  static ownerOf(actor: Principal): string {
    return actor.run ? actor.run.owner : actor.id;
  }

  /** Insert a session inside an existing transaction (used by create and spawn). */
  insert(tx: StorageTx, event: (s: string, r: string | null, t: string, d: Record<string, unknown>) => void, input: CreateSessionInput, owner: string): Session {
    const id = newId("ses");
    const t = now();
    const parent = input.parent;
    const session: Session = {
      id,
      title: input.title ?? null,
      provider: input.provider ?? "auto",
      model: input.model ?? null,
      cwd: input.cwd ?? null,
      owner,
      parent_session_id: parent ? parent.session.id : null,
      parent_run_id: parent ? parent.runId : null,
      root_session_id: parent ? parent.session.root_session_id : id,
      depth: parent ? parent.session.depth + 1 : 0,
      multitask: input.multitask ?? "enqueue",
      wake_parent: parent !== undefined && input.wakeParent === true,
      wake_on_child_events: input.wakeOnChildEvents === true,
      created_at: t,
      updated_at: t,
    };
    tx.run(
      `INSERT INTO sessions (id, title, provider, model, cwd, owner, parent_session_id, parent_run_id, root_session_id, depth, multitask, wake_parent, wake_on_child_events, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [session.id, session.title, session.provider, session.model, session.cwd, session.owner, session.parent_session_id,
        session.parent_run_id, session.root_session_id, session.depth, session.multitask, session.wake_parent ? 1 : 0, session.wake_on_child_events ? 1 : 0, session.created_at, session.updated_at],
    );
    event(session.id, null, "session.created", { session });
    return session;
  }

  async create(input: CreateSessionInput, opts: MutationOptions<Session>): Promise<Session> {
    return this.db.write((w) => {
      const session = this.insert(w.tx, w.event, input, SessionService.ownerOf(opts.actor));
      opts.inTx?.(w.tx, session);
      return session;
    });
  }

  /** Any session by id, no access check: for internal use (queue, announcements). */
  find(id: string): Session | undefined {
    const row = this.db.read.get("SELECT * FROM sessions WHERE id = ?", [id]);
    return row ? toSession(row) : undefined;
  }

  /** A session the principal may see, else a 404 (never a 403: existence is not revealed). */
  get(id: string, principal: Principal): Session {
    const session = this.find(id);
    if (!session || !this.canAccess(principal, session)) throw notFound("session", id);
    return session;
  }

  canAccess(principal: Principal, session: Session): boolean {
    if (principal.admin) return true;
    if (principal.run) return this.isInTree(session, principal.run.session_id);
    return session.owner === principal.id;
  }

  /** True when `session` is `ancestorId` or one of its descendants. */
  isInTree(session: Session, ancestorId: string): boolean {
    let current: Session | undefined = session;
    for (let hops = 0; current && hops < 64; hops++) {
      if (current.id === ancestorId) return true;
      current = current.parent_session_id ? this.find(current.parent_session_id) : undefined;
    }
    return false;
  }

  /** The latest run of each session, in one indexed query (runs_session): the list's run status. */
  withLatestRuns(sessions: Session[]): SessionListItem[] {
    if (!sessions.length) return [];
    const rows = this.db.read.all(
      `SELECT r.session_id, r.id, r.status, r.created_at, r.ended_at FROM runs r
         JOIN (SELECT session_id, MAX(pos) AS pos FROM runs WHERE session_id IN (${sessions.map(() => "?").join(",")}) GROUP BY session_id) m ON r.pos = m.pos`,
      sessions.map((s) => s.id),
    );
    const latest = new Map(rows.map((r) => [String(r.session_id), { id: String(r.id), status: r.status as RunStatus, created_at: String(r.created_at), ended_at: r.ended_at === null ? null : String(r.ended_at) }]));
    return sessions.map((s) => ({ ...s, latest_run: latest.get(s.id) ?? null }));
  }

  list(principal: Principal, opts: { limit: number; cursor?: string; parentSessionId?: string }): Page<Session> {
    const after = opts.cursor ? Number(opts.cursor) : 0;
    const where: string[] = ["pos > ?"];
    const params: (string | number)[] = [after];
    if (!principal.admin && !principal.run) {
      where.push("owner = ?");
      params.push(principal.id);
    }
    if (opts.parentSessionId) {
      where.push("parent_session_id = ?");
      params.push(opts.parentSessionId);
    }
    const items: Session[] = [];
    let lastPos = after;
    // Run tokens filter by tree in code; page until the limit is met or rows run out.
    for (;;) {
      const rows = this.db.read.all(`SELECT * FROM sessions WHERE ${where.join(" AND ")} ORDER BY pos LIMIT ?`, [...params, opts.limit + 1]);
      for (const row of rows) {
        if (items.length === opts.limit) return { items, next_cursor: String(lastPos) };
        lastPos = Number(row.pos);
        const s = toSession(row);
        if (this.canAccess(principal, s)) items.push(s);
      }
      if (rows.length <= opts.limit) return { items, next_cursor: null };
      params[0] = lastPos;
    }
  }

  messages(sessionId: string): Message[] {
    return this.db.read.all("SELECT * FROM messages WHERE session_id = ? ORDER BY pos", [sessionId]).map(toMessage);
  }

  threadId(sessionId: string, provider: string): string | null {
    const row = this.db.read.get("SELECT thread_id FROM threads WHERE session_id = ? AND provider = ?", [sessionId, provider]);
    return row ? String(row.thread_id) : null;
  }

  async setThreadId(sessionId: string, runId: string | null, provider: string, threadId: string): Promise<void> {
    await this.db.write((w) => {
      w.tx.run(
        `INSERT INTO threads (session_id, provider, thread_id, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(session_id, provider) DO UPDATE SET thread_id = excluded.thread_id, updated_at = excluded.updated_at`,
        [sessionId, provider, threadId, now()],
      );
      w.event(sessionId, runId, "session.thread_set", { provider, thread_id: threadId });
    });
  }
}
