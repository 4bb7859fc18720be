/**
 * `agentctl storage check --db PATH`: verify a sql.js snapshot + journal offline, without changing
 * them. It reuses the plugin's own journal parser and opens a copy with SqljsStorage, so it sees
 * the data exactly as the daemon would at start-up.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BaseCommand, EXIT, Flags, style } from "@agentd/cli/base";
import { JournalCorruptError, parseJournal } from "../../journal.ts";
import { DataDirLock } from "../../lock.ts";
import { SqljsStorage } from "../../sqljs-storage.ts";

export interface StorageReport {
  ok: boolean;
  db_path: string;
  snapshot: { exists: boolean; bytes: number };
  journal: { path: string; exists: boolean; bytes: number; entries: number; torn_tail: { offset: number; bytes: number } | null; corrupt: string | null; damaged_at: number | null };
  /** A checkpoint's old segment (left by a crash mid-checkpoint; the daemon finishes the checkpoint at start). */
  previous_journal: { path: string; exists: boolean; bytes: number; entries: number };
  schema_version: number | null;
  journal_seq: number | null;
  counts: { sessions: number; runs: number; messages: number; events: number; runs_by_status: Record<string, number> } | null;
  last_event_seq: number | null;
  problems: string[];
  warnings: string[];
}

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export async function checkDatabase(dbPath: string): Promise<StorageReport> {
  const db = resolve(dbPath);
  const journalPath = `${db}.journal`;
  const size = (p: string): number => (existsSync(p) ? statSync(p).size : 0);
  const report: StorageReport = {
    ok: true,
    db_path: db,
    snapshot: { exists: existsSync(db), bytes: size(db) },
    journal: { path: journalPath, exists: existsSync(journalPath), bytes: size(journalPath), entries: 0, torn_tail: null, corrupt: null, damaged_at: null },
    previous_journal: { path: `${journalPath}.prev`, exists: existsSync(`${journalPath}.prev`), bytes: size(`${journalPath}.prev`), entries: 0 },
    schema_version: null,
    journal_seq: null,
    counts: null,
    last_event_seq: null,
    problems: [],
    warnings: [],
  };
  if (!report.snapshot.exists && !report.journal.exists) {
    report.problems.push(`no database at ${db} (neither the snapshot nor ${journalPath} exists): check --db; the daemon's default is .data/agent-orchestrator.db in its working directory`);
    report.ok = false;
    return report;
  }
  if (report.journal.exists) {
    try {
      const parsed = parseJournal(readFileSync(journalPath), journalPath);
      report.journal.entries = parsed.entries.length;
      report.journal.torn_tail = parsed.tornTail;
      if (parsed.tornTail) {
        report.warnings.push(`the journal ends with a torn entry (${parsed.tornTail.bytes} bytes at byte ${parsed.tornTail.offset}): an append cut short by a crash, never acknowledged; the daemon drops it at start-up`);
      }
    } catch (err) {
      if (!(err instanceof JournalCorruptError)) throw err;
      report.journal.corrupt = err.detail;
      report.journal.damaged_at = err.offset;
      report.problems.push(err.detail);
    }
  }
  if (report.previous_journal.exists) {
    try {
      report.previous_journal.entries = parseJournal(readFileSync(report.previous_journal.path), report.previous_journal.path).entries.length;
      report.warnings.push(`${report.previous_journal.path} is left from a checkpoint a crash interrupted; the daemon replays it and finishes the checkpoint at start-up`);
    } catch (err) {
      if (!(err instanceof JournalCorruptError)) throw err;
      report.problems.push(err.detail);
    }
  }
  if (report.problems.length === 0) await inspectCopy(db, journalPath, report);
  report.ok = report.problems.length === 0;
  return report;
}

/** Open a copy with the real storage (replaying the journal like the daemon does) and count rows. */
async function inspectCopy(db: string, journalPath: string, report: StorageReport): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "agentd-storage-check-"));
  const copy = join(dir, "agentd.db");
  if (report.snapshot.exists) copyFileSync(db, copy);
  if (report.journal.exists) copyFileSync(journalPath, `${copy}.journal`);
  if (report.previous_journal.exists) copyFileSync(report.previous_journal.path, `${copy}.journal.prev`);
  const storage = new SqljsStorage({ path: copy, checkpointBytes: Number.MAX_SAFE_INTEGER, checkpointIntervalMs: 2 ** 30, log: quiet, lockedBy: "agentctl storage check" });
  try {
    await storage.open();
    const meta = (key: string): number | null => {
      const v = storage.get("SELECT value FROM _agentd_meta WHERE key = ?", [key])?.value;
      return v === undefined || v === null ? null : Number(v);
    };
    report.schema_version = meta("schema_version");
    report.journal_seq = Number(storage.info().journal_seq);
    if (report.schema_version === null) {
      report.warnings.push("no schema version recorded: the daemon never finished its first start with this database (it migrates it on the next start)");
      return;
    }
    const count = (table: string): number => Number(storage.get(`SELECT count(*) AS n FROM ${table}`)?.n ?? 0);
    const byStatus: Record<string, number> = {};
    for (const row of storage.all("SELECT status, count(*) AS n FROM runs GROUP BY status")) byStatus[String(row.status)] = Number(row.n);
    report.counts = { sessions: count("sessions"), runs: count("runs"), messages: count("messages"), events: count("events"), runs_by_status: byStatus };
    const last = storage.get("SELECT MAX(seq) AS m FROM events")?.m;
    report.last_event_seq = last === null || last === undefined ? 0 : Number(last);
  } catch (err) {
    report.problems.push(err instanceof JournalCorruptError ? err.detail : (err as Error).message.replace(/^plugin "storage-sqljs": /, ""));
  } finally {
    await storage.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

export default class StorageCheckCommand extends BaseCommand<typeof StorageCheckCommand> {
  static override summary = "Verify an agentd sql.js database (snapshot + journal) offline, without changing it.";
  static override description =
    "Checks that the snapshot is a readable SQLite database, that every journal entry is intact (a torn last entry from a crash is a warning), " +
    "replays the journal on a copy and reports the schema version and counts of sessions, runs, messages and events. Exits 1 when the data is corrupt. " +
    "Refuses while a daemon holds the database (its files change under the check): stop the daemon first, or check a copy of a stopped daemon's data dir.";
  static override examples = ["<%= config.bin %> storage check --db .data/agent-orchestrator.db", "<%= config.bin %> --field ok storage check --db /var/lib/agentd/agentd.db"];
  static override flags = {
    db: Flags.string({ summary: "Database file (the daemon's --db).", env: "AGENTD_DB", required: true }),
  };

  async run(): Promise<void> {
    const lock = DataDirLock.probe(resolve(this.flags.db));
    if (lock.held) this.fail(`cannot check the database while a daemon writes it: ${lock.message.replace(/^the database is in use: /, "").replace(/ Stop it first.*/, "")} Stop that daemon first (a live daemon's health is in 'agentctl daemon status').`, EXIT.error);
    const report = await checkDatabase(this.flags.db);
    this.output(report, prettyReport);
    if (!report.ok) {
      this.fail(
        `storage check found ${report.problems.length} problem(s) in ${report.db_path}. Stop the daemon before repairing; restore the data dir from a backup, ` +
          `or move the damaged journal aside to start from the last snapshot (losing the changes since).`,
        EXIT.error,
      );
    }
  }
}

function prettyReport(r: StorageReport): string {
  const c = r.counts;
  const lines = style.keyValues([
    ["result", r.ok ? style.status("ok") : style.paint("CORRUPT", "red")],
    ["snapshot", r.snapshot.exists ? `${r.db_path} (${r.snapshot.bytes} bytes)` : "none (never checkpointed)"],
    ["journal", r.journal.exists ? `${r.journal.entries} entries, ${r.journal.bytes} bytes` : "none"],
    ["torn tail", r.journal.torn_tail ? `${r.journal.torn_tail.bytes} bytes at byte ${r.journal.torn_tail.offset}` : "no"],
    ["damaged at", r.journal.damaged_at === null ? null : `byte ${r.journal.damaged_at} of the journal`],
    ["schema version", r.schema_version],
    ["journal seq", r.journal_seq],
    ["sessions", c?.sessions],
    ["runs", c ? `${c.runs} ${JSON.stringify(c.runs_by_status)}` : null],
    ["messages", c?.messages],
    ["events", c ? `${c.events} (last seq ${r.last_event_seq})` : null],
  ]);
  return [lines, ...r.warnings.map((w) => `warning: ${w}`), ...r.problems.map((p) => `problem: ${p}`)].join("\n");
}
