import { mkdirSync, statSync, existsSync } from "node:fs";
import { open, rename, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import initSqlJs, { type Database, type Statement } from "sql.js";
import { type Committed, type Migration, type Row, type SqlParams, type Storage, type StorageHealth, type StorageSyncSample, type StorageTx } from "@agentd/core";
import { encodeEntry, type JournalEntry } from "./journal.ts";
import { fsyncDir, removeIfExists, writeFileAtomic } from "./files.ts";
import { GroupCommit } from "./group-commit.ts";
import { DataDirLock } from "./lock.ts";
import { loadSnapshot } from "./snapshot.ts";
import { readSegment } from "./segments.ts";

import type { SqljsStorageOptions } from "./options.ts";

export { SnapshotCorruptError } from "./snapshot.ts";
export type { CheckpointStep, SqljsStorageOptions } from "./options.ts";

const META = "CREATE TABLE IF NOT EXISTS _agentd_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)";

/**
 * sql.js in memory, made durable by a journal of committed transactions (one fsync per batch of
 * transactions committed in the same tick: group commit) replayed over the last snapshot at
 * start-up. A checkpoint starts a new journal segment, writes a snapshot atomically while writes
 * go on into the new segment, then deletes the old one: the cost of a write depends on the write,
 * not on the size of the database, and a checkpoint does not hold acknowledgements up.
 */
export class SqljsStorage implements Storage {
  readonly kind = "sqljs";
  private db!: Database;
  private lock: DataDirLock | null = null;
  private readonly commit: GroupCommit;
  private seq = 0;
  private checkpointing: Promise<void> | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private readonly statements = new Map<string, Statement>();
  private readonly recoverListeners: Array<() => void> = [];
  private readonly syncListeners: Array<(sample: StorageSyncSample) => void> = [];
  private lastCheckpoint: string | null = null;
  private dirtySinceCheckpoint = false;
  private replayed = { entries: 0, torn_tail_bytes: 0, ms: 0 };

  constructor(private readonly opts: SqljsStorageOptions) {
    this.commit = new GroupCommit({
      journalPath: this.journalPath,
      log: opts.log,
      onFlushed: (bytes, sync) => {
        // An observer (metrics) must never turn a durable write into a failure.
        for (const listener of this.syncListeners) try { listener(sync); } catch { /* ignored */ }
        if (bytes > opts.checkpointBytes) void this.checkpoint().catch((err) => opts.log.error("checkpoint failed; the journal keeps the data", { err: String(err) }));
      },
      onRecovered: () => {
        for (const listener of this.recoverListeners) listener();
      },
    });
  }

  get journalPath(): string {
    return `${this.opts.path}.journal`;
  }

  /** The segment a checkpoint in progress (or one cut short by a crash) is folding into the snapshot. */
  get previousJournalPath(): string {
    return `${this.journalPath}.prev`;
  }

  async open(): Promise<void> {
    const started = Date.now();
    mkdirSync(dirname(this.opts.path), { recursive: true });
    this.lock = await DataDirLock.acquire(this.opts.path, this.opts.lockedBy ?? "agentd", this.opts.log);
    try {
      await this.load();
    } catch (err) {
      this.db?.close();
      await this.lock.release();
      throw err;
    }
    this.replayed.ms = Date.now() - started;
    this.checkpointTimer = setInterval(() => {
      if (this.dirtySinceCheckpoint) this.checkpoint().catch((err) => this.opts.log.error("periodic checkpoint failed; the journal keeps the data", { err: String(err) }));
    }, this.opts.checkpointIntervalMs);
    this.checkpointTimer.unref();
  }

  private async load(): Promise<void> {
    const { path, log } = this.opts;
    const SQL = await initSqlJs();
    await removeIfExists(`${path}.tmp`); // an unfinished checkpoint; the old snapshot is intact
    // Read both segments before changing anything: damage in either stops start-up untouched.
    const previous = readSegment(this.previousJournalPath);
    const current = readSegment(this.journalPath);
    this.db = loadSnapshot(SQL, path, this.journalPath);
    // Durability is our journal's job; SQLite's own rollback journal would only copy pages around
    // sql.js's in-memory file system on every transaction. Keep it in memory (ROLLBACK still works).
    this.db.exec("PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA temp_store = MEMORY;");
    this.db.exec(META);
    this.seq = Number(this.db.exec("SELECT value FROM _agentd_meta WHERE key = 'journal_seq'")[0]?.values[0]?.[0] ?? 0);
    for (const entry of [...(previous?.entries ?? []), ...(current?.entries ?? [])]) {
      if (entry.s <= this.seq) continue; // already in the snapshot
      this.apply(entry);
      this.seq = entry.s;
      this.replayed.entries++;
    }
    const journal = await open(this.journalPath, "a+");
    this.commit.start(journal, current?.goodBytes ?? 0, this.seq);
    if (current?.tornTail) {
      log.warn("dropped a torn last journal entry (an append cut short by a crash; it was never acknowledged)", { journal: this.journalPath, bytes: current.tornTail.bytes });
      await journal.truncate(current.goodBytes);
      await journal.sync();
      this.replayed.torn_tail_bytes = current.tornTail.bytes;
    }
    this.dirtySinceCheckpoint = this.replayed.entries > 0;
    if (previous) {
      // A crash interrupted a checkpoint: fold both segments into a snapshot before serving.
      log.warn("finishing a checkpoint interrupted by a crash", { segment: this.previousJournalPath });
      await this.writeSnapshot(false);
      await journal.truncate(0);
      await journal.sync();
      this.commit.journalBytes = 0;
      await removeIfExists(this.previousJournalPath);
      await fsyncDir(dirname(path));
    }
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
    if (this.commit.failure) throw this.commit.unavailable("writes are paused");
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
    const seq = ++this.seq;
    const line = encodeEntry({ s: seq, q: statements });
    this.dirtySinceCheckpoint = true;
    return { value, durable: this.commit.append(seq, line) };
  }

  /** The read barrier: settles once everything committed so far is durable; rejects while writes fail. */
  whenDurable(): Promise<void> {
    return this.commit.whenDurable();
  }

  /**
   * Fold the journal into a new snapshot. Flushes stop only while the journal is switched to a new
   * segment (a rename, an open and a directory fsync); the export (synchronous in sql.js) and the
   * snapshot's write and fsync run while new transactions are made durable in the new segment.
   */
  checkpoint(): Promise<void> {
    if (this.checkpointing) return this.checkpointing;
    this.checkpointing = (async () => {
      await this.commit.exclusive(async () => {
        if (this.commit.failure) throw new Error(`cannot checkpoint while the journal is failing: ${this.commit.failure}`);
        await this.rotate();
      });
      await this.opts.onCheckpointStep?.("rotated");
      await this.writeSnapshot();
      await removeIfExists(this.previousJournalPath);
      await fsyncDir(dirname(this.opts.path));
      await this.opts.onCheckpointStep?.("old-segment-removed");
    })().finally(() => {
      this.checkpointing = null;
    });
    return this.checkpointing;
  }

  /** Start a new journal segment; the old one stays until the snapshot that covers it is durable. */
  private async rotate(): Promise<void> {
    const old = this.commit.journal;
    await rename(this.journalPath, this.previousJournalPath);
    let next: FileHandle | null = null;
    try {
      next = await open(this.journalPath, "a+");
      await fsyncDir(dirname(this.opts.path)); // the new segment must survive a power cut before it holds acknowledged data
    } catch (err) {
      await next?.close().catch(() => undefined);
      await rename(this.previousJournalPath, this.journalPath);
      throw err;
    }
    this.commit.journal = next;
    this.commit.journalBytes = 0;
    await old.close();
  }

  /** Export (everything committed so far, durable or pending) and write it atomically. */
  private async writeSnapshot(probe = true): Promise<void> {
    const seq = this.seq;
    this.db.exec(`INSERT INTO _agentd_meta (key, value) VALUES ('journal_seq', '${seq}') ON CONFLICT(key) DO UPDATE SET value = excluded.value`);
    this.clearStatements(); // export closes statements; drop our cache first
    const image = this.db.export();
    const step = probe ? this.opts.onCheckpointStep : undefined;
    await writeFileAtomic(this.opts.path, image, () => step?.("snapshot-tmp-written"));
    await step?.("snapshot-renamed");
    this.dirtySinceCheckpoint = this.seq > seq;
    this.lastCheckpoint = new Date().toISOString();
  }

  async close(): Promise<void> {
    if (this.checkpointTimer) clearInterval(this.checkpointTimer);
    this.commit.stop();
    await this.checkpointing?.catch(() => undefined);
    await this.commit.idle();
    await this.commit.journal.close();
    this.clearStatements();
    this.db.close();
    await this.lock?.release();
  }

  onRecover(listener: () => void): void {
    this.recoverListeners.push(listener);
  }

  onSync(listener: (sample: StorageSyncSample) => void): void {
    this.syncListeners.push(listener);
  }

  health(): StorageHealth {
    return this.commit.failure ? { ok: false, reason: this.commit.failure } : { ok: true };
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
      journal_bytes: this.commit.journalBytes,
      journal_seq: this.seq,
      last_checkpoint: this.lastCheckpoint,
      replayed_at_start: this.replayed,
    };
  }
}
