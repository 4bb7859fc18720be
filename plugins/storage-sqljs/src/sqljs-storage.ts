import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import initSqlJs, { type Database, type Statement } from "sql.js";
import { AgentdError, type Committed, type Logger, type Migration, type Row, type SqlParams, type Storage, type StorageHealth, type StorageSyncSample, type StorageTx } from "@agentd/core";
import { encodeEntry, parseJournal, type JournalEntry } from "./journal.ts";
import { removeIfExists, writeFileAtomic } from "./files.ts";

export interface SqljsStorageOptions {
  path: string;
  /** Checkpoint when the journal grows past this many bytes. */
  checkpointBytes: number;
  /** Checkpoint at least this often while there are changes. */
  checkpointIntervalMs: number;
  log: Logger;
}

interface Pending {
  line: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const META = "CREATE TABLE IF NOT EXISTS _agentd_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)";

export class SnapshotCorruptError extends Error {
  override name = "SnapshotCorruptError";
}

/**
 * sql.js in memory, made durable by a journal of committed transactions (one fsync per batch of
 * transactions committed in the same tick: group commit) replayed over the last snapshot at
 * start-up. Checkpoints write a new snapshot atomically and empty the journal, so the cost of a
 * write depends on the write, not on the size of the database.
 */
export class SqljsStorage implements Storage {
  readonly kind = "sqljs";
  private db!: Database;
  private journal!: FileHandle;
  private journalBytes = 0;
  private seq = 0;
  private pending: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private checkpointing: Promise<void> | null = null;
  private failure: string | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private readonly statements = new Map<string, Statement>();
  private readonly recoverListeners: Array<() => void> = [];
  private readonly syncListeners: Array<(sample: StorageSyncSample) => void> = [];
  private lastCheckpoint: string | null = null;
  private dirtySinceCheckpoint = false;
  private replayed = { entries: 0, torn_tail_bytes: 0, ms: 0 };

  constructor(private readonly opts: SqljsStorageOptions) {}

  get journalPath(): string {
    return `${this.opts.path}.journal`;
  }

  async open(): Promise<void> {
    const started = Date.now();
    const { path, log } = this.opts;
    mkdirSync(dirname(path), { recursive: true });
    const SQL = await initSqlJs();
    await removeIfExists(`${path}.tmp`); // an unfinished checkpoint; the old snapshot is intact
    if (existsSync(path)) {
      try {
        this.db = new SQL.Database(readFileSync(path));
        this.db.exec("SELECT count(*) FROM sqlite_master");
      } catch (err) {
        throw new SnapshotCorruptError(
          `snapshot ${path} cannot be read as a SQLite database (${(err as Error).message}). Nothing was changed. ` +
            `Restore the data dir from a backup, or move ${path} aside to start empty; ${this.journalPath} holds the changes since its last checkpoint.`,
        );
      }
    } else {
      this.db = new SQL.Database();
    }
    // Durability is our journal's job; SQLite's own rollback journal would only copy pages around
    // sql.js's in-memory file system on every transaction. Keep it in memory (ROLLBACK still works).
    this.db.exec("PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY;");
    this.db.exec(META);
    const snapSeq = Number(this.db.exec("SELECT value FROM _agentd_meta WHERE key = 'journal_seq'")[0]?.values[0]?.[0] ?? 0);
    this.seq = snapSeq;
    const buf = existsSync(this.journalPath) ? readFileSync(this.journalPath) : Buffer.alloc(0);
    const parsed = parseJournal(buf, this.journalPath);
    for (const entry of parsed.entries) {
      if (entry.s <= snapSeq) continue;
      this.apply(entry);
      this.seq = entry.s;
      this.replayed.entries++;
    }
    this.journal = await open(this.journalPath, "a+");
    if (parsed.tornTail) {
      log.warn("dropped a torn last journal entry (a write cut short by a crash; it was never acknowledged)", { journal: this.journalPath, bytes: parsed.tornTail.bytes });
      await this.journal.truncate(parsed.goodBytes);
      await this.journal.sync();
      this.replayed.torn_tail_bytes = parsed.tornTail.bytes;
    }
    this.journalBytes = parsed.goodBytes;
    this.dirtySinceCheckpoint = this.replayed.entries > 0;
    this.replayed.ms = Date.now() - started;
    this.checkpointTimer = setInterval(() => {
      if (this.dirtySinceCheckpoint) this.checkpoint().catch((err) => log.error("periodic checkpoint failed; the journal keeps the data", { err: String(err) }));
    }, this.opts.checkpointIntervalMs);
    this.checkpointTimer.unref();
  }

  private apply(entry: JournalEntry): void {
    this.db.exec("BEGIN");
    try {
      for (const [sql, params] of entry.q) this.stmt(sql).run(params as never);
      this.db.exec("COMMIT");
    } catch (err) {
      this.db.exec("ROLLBACK");
      throw new Error(`journal entry ${entry.s} could not be replayed: ${(err as Error).message}`);
    }
  }

  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      if (this.statements.size > 500) this.clearStatements();
      this.statements.set(sql, s);
    }
    return s;
  }

  private clearStatements(): void {
    for (const s of this.statements.values()) s.free();
    this.statements.clear();
  }

  all<T extends Row = Row>(sql: string, params: SqlParams = []): T[] {
    const s = this.stmt(sql);
    try {
      s.bind(params as never);
      const rows: T[] = [];
      while (s.step()) rows.push(s.getAsObject() as T);
      return rows;
    } finally {
      s.reset();
    }
  }

  get<T extends Row = Row>(sql: string, params: SqlParams = []): T | undefined {
    return this.all<T>(sql, params)[0];
  }

  async migrate(migrations: readonly Migration[]): Promise<void> {
    const current = Number(this.get("SELECT value FROM _agentd_meta WHERE key = 'schema_version'")?.value ?? 0);
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (m.version <= current) continue;
      await this.transact((tx) => {
        for (const statement of m.sql.split(";").map((s) => s.trim()).filter(Boolean)) tx.run(statement);
        tx.run("INSERT INTO _agentd_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", [String(m.version)]);
      }).durable;
      this.opts.log.info("applied schema migration", { version: m.version, name: m.name });
    }
  }

  transact<T>(fn: (tx: StorageTx) => T): Committed<T> {
    if (this.failure) throw new AgentdError("storage_unavailable", `writes are paused: ${this.failure}`);
    const statements: [string, SqlParams][] = [];
    const tx: StorageTx = {
      all: (sql, params) => this.all(sql, params),
      get: (sql, params) => this.get(sql, params),
      run: (sql, params = []) => {
        this.stmt(sql).run(params as never);
        statements.push([sql, params]);
      },
    };
    this.db.exec("BEGIN");
    let value: T;
    try {
      value = fn(tx);
      this.db.exec("COMMIT");
    } catch (err) {
      this.db.exec("ROLLBACK");
      throw err;
    }
    if (statements.length === 0) return { value, durable: Promise.resolve() };
    const line = encodeEntry({ s: ++this.seq, q: statements });
    this.dirtySinceCheckpoint = true;
    const durable = new Promise<void>((resolve, reject) => this.pending.push({ line, resolve, reject }));
    this.scheduleFlush();
    return { value, durable };
  }

  private scheduleFlush(): void {
    if (this.flushing || this.checkpointing) return;
    this.flushing = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush()).finally(() => {
      this.flushing = null;
      if (this.pending.length && !this.failure) this.scheduleFlush();
    });
  }

  /** Group commit: every transaction committed since the last flush shares one write and one fsync. */
  private async flush(): Promise<void> {
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const data = Buffer.from(batch.map((p) => p.line).join(""));
    const started = performance.now();
    try {
      // A nearly full disk gives short writes before ENOSPC: loop until all is written or it throws.
      for (let off = 0; off < data.length; ) off += (await this.journal.write(data, off, data.length - off, null)).bytesWritten;
      await this.journal.datasync();
      this.journalBytes += data.length;
      const sample = { ms: performance.now() - started, bytes: data.length, transactions: batch.length };
      // An observer (metrics) must never turn a durable write into a failure.
      for (const listener of this.syncListeners) try { listener(sample); } catch { /* ignored */ }
      for (const p of batch) p.resolve();
      if (this.failure) {
        this.opts.log.info("journal writes recovered; accepting writes again");
        this.failure = null;
        for (const listener of this.recoverListeners) listener();
      }
      if (this.journalBytes > this.opts.checkpointBytes) void this.checkpoint().catch((err) => this.opts.log.error("checkpoint failed; the journal keeps the data", { err: String(err) }));
    } catch (err) {
      this.failure = `cannot write the journal ${this.journalPath} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): free disk space or fix permissions of the data dir; writes resume by themselves once the journal can be written`;
      this.opts.log.error("journal write failed; writes are refused with 503 until it recovers", { err: String(err) });
      // Keep the batch (it is in memory already) and retry; drop any partial line first.
      await this.journal.truncate(this.journalBytes).catch(() => undefined);
      this.pending = [...batch.map((p) => ({ line: p.line, resolve: () => undefined, reject: () => undefined })), ...this.pending];
      const error = new AgentdError("storage_unavailable", `the change could not be made durable: ${this.failure}`);
      for (const p of batch) p.reject(error);
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = null;
        this.scheduleFlush();
      }, 1000);
      this.retryTimer.unref();
    }
  }

  private async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** Write a snapshot atomically and empty the journal. */
  checkpoint(): Promise<void> {
    if (this.checkpointing) return this.checkpointing;
    this.checkpointing = (async () => {
      await this.idle();
      if (this.failure) throw new Error(`cannot checkpoint while the journal is failing: ${this.failure}`);
      this.db.exec(`INSERT INTO _agentd_meta (key, value) VALUES ('journal_seq', '${this.seq}') ON CONFLICT(key) DO UPDATE SET value = excluded.value`);
      this.clearStatements(); // export closes statements; drop our cache first
      const image = this.db.export();
      await writeFileAtomic(this.opts.path, image);
      // Lines still pending are inside the snapshot too (seq <= journal_seq): replay skips them.
      await this.journal.truncate(0);
      await this.journal.sync();
      this.journalBytes = 0;
      this.dirtySinceCheckpoint = false;
      this.lastCheckpoint = new Date().toISOString();
    })().finally(() => {
      this.checkpointing = null;
      if (this.pending.length) this.scheduleFlush();
    });
    return this.checkpointing;
  }

  async close(): Promise<void> {
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.idle();
    await this.journal.close();
    this.clearStatements();
    this.db.close();
  }

  onRecover(listener: () => void): void {
    this.recoverListeners.push(listener);
  }

  onSync(listener: (sample: StorageSyncSample) => void): void {
    this.syncListeners.push(listener);
  }

  health(): StorageHealth {
    return this.failure ? { ok: false, reason: this.failure } : { ok: true };
  }

  info(): Record<string, unknown> {
    const size = existsSync(this.opts.path) ? statSync(this.opts.path).size : 0;
    const pages = this.db.exec("PRAGMA page_count; PRAGMA page_size");
    return {
      path: this.opts.path,
      /** The live database's size (sql.js holds it in memory; RSS grows with it). */
      database_bytes: Number(pages[0]?.values[0]?.[0] ?? 0) * Number(pages[1]?.values[0]?.[0] ?? 0),
      journal_path: this.journalPath,
      snapshot_bytes: size,
      journal_bytes: this.journalBytes,
      journal_seq: this.seq,
      last_checkpoint: this.lastCheckpoint,
      replayed_at_start: this.replayed,
    };
  }
}
