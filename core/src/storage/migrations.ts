import type { Migration } from "./types.ts";

/**
 * The versioned schema. Append a migration to change it; never edit a released one.
 * JSON columns hold text; times are ISO-8601 strings; `pos`/`seq` give stable order for cursors.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "initial schema",
    sql: `
      CREATE TABLE sessions (
        pos INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        title TEXT,
        provider TEXT NOT NULL,
        model TEXT,
        cwd TEXT,
        owner TEXT NOT NULL,
        parent_session_id TEXT,
        parent_run_id TEXT,
        root_session_id TEXT NOT NULL,
        depth INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX sessions_owner ON sessions(owner, pos);
      CREATE INDEX sessions_parent ON sessions(parent_session_id, pos);
      CREATE INDEX sessions_parent_run ON sessions(parent_run_id);

      CREATE TABLE messages (
        pos INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        session_id TEXT NOT NULL,
        run_id TEXT,
        role TEXT NOT NULL,
        text TEXT NOT NULL,
        meta TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX messages_session ON messages(session_id, pos);

      CREATE TABLE runs (
        pos INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        session_id TEXT NOT NULL,
        status TEXT NOT NULL,
        requested_provider TEXT NOT NULL,
        provider TEXT,
        model TEXT,
        message_id TEXT,
        prompt TEXT NOT NULL,
        output TEXT,
        error TEXT,
        usage TEXT,
        worker_id TEXT,
        pid INTEGER,
        canceled_by TEXT,
        routing TEXT,
        meta TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        ended_at TEXT
      );
      CREATE INDEX runs_session ON runs(session_id, pos);
      CREATE INDEX runs_status ON runs(status, pos);

      CREATE TABLE events (
        seq INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL,
        run_id TEXT,
        event_type TEXT NOT NULL,
        data TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX events_session ON events(session_id, seq);

      CREATE TABLE threads (
        session_id TEXT NOT NULL,
        provider TEXT NOT NULL,
        thread_id TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (session_id, provider)
      );

      CREATE TABLE idempotency (
        principal TEXT NOT NULL,
        key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (principal, key)
      );
      CREATE INDEX idempotency_created ON idempotency(created_at);

      CREATE TABLE escalations (
        id TEXT PRIMARY KEY,
        child_session_id TEXT NOT NULL,
        child_run_id TEXT NOT NULL,
        parent_session_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        status TEXT NOT NULL,
        decision TEXT,
        decision_text TEXT,
        decided_by TEXT,
        created_at TEXT NOT NULL,
        resolved_at TEXT
      );
      CREATE INDEX escalations_parent ON escalations(parent_session_id);

      CREATE TABLE announcements (
        child_run_id TEXT PRIMARY KEY,
        parent_session_id TEXT NOT NULL,
        delivered_at TEXT
      );
    `,
  },
  {
    version: 2,
    name: "key-value facts (event retention watermark)",
    sql: `CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
  },
  {
    version: 4,
    name: "native approvals: escalation origin, approval request and close reason; run waiting state",
    sql: `
      ALTER TABLE escalations ADD COLUMN origin TEXT NOT NULL DEFAULT 'reply_parent';
      ALTER TABLE escalations ADD COLUMN approval TEXT;
      ALTER TABLE escalations ADD COLUMN approval_key TEXT;
      ALTER TABLE escalations ADD COLUMN close_reason TEXT;
      CREATE INDEX escalations_child_session ON escalations(child_session_id, status);
      CREATE INDEX escalations_child_run ON escalations(child_run_id);
      ALTER TABLE runs ADD COLUMN waiting TEXT
    `,
  },
  {
    version: 5,
    name: "runs.pid_start: when the run's process started, so recovery kills only that process",
    sql: `ALTER TABLE runs ADD COLUMN pid_start TEXT`,
  },
  {
    version: 6,
    name: "parents that wake: a child asks to wake its parent (spawn), a session asks to be woken by its children",
    sql: `
      ALTER TABLE sessions ADD COLUMN wake_parent INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE sessions ADD COLUMN wake_on_child_events INTEGER NOT NULL DEFAULT 0
    `,
  },
  // Version 7, not 3: versions 3-6 were reserved by work merged in parallel (same release).
  {
    version: 7,
    name: "per-session multitask policy",
    sql: `ALTER TABLE sessions ADD COLUMN multitask TEXT NOT NULL DEFAULT 'enqueue'`,
  },
];
