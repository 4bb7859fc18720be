import { existsSync, readFileSync } from "node:fs";
import type { Database, SqlJsStatic } from "sql.js";
import { StorageOpenError } from "./errors.ts";

export class SnapshotCorruptError extends StorageOpenError {
  override name = "SnapshotCorruptError";
}

const MAGIC = Buffer.from("SQLite format 3\0", "latin1");

/**
 * Load the snapshot, refusing anything that is not a sound SQLite database: a missing file is an
 * empty database, but a short or empty one (no checkpoint ever writes that) or one that fails
 * `PRAGMA quick_check` is damage, and starting on it would overwrite it at the next checkpoint.
 */
export function loadSnapshot(SQL: SqlJsStatic, path: string, journalPath: string): Database {
  if (!existsSync(path)) return new SQL.Database();
  const image = readFileSync(path);
  const refuse = (what: string): never => {
    throw new SnapshotCorruptError(
      `snapshot ${path} ${what}. Nothing was changed. See "Damaged snapshot" in docs/runbook.md: restore the data dir from a backup ` +
        `(stop the daemon, copy the backup's ${path} and ${journalPath} back), or move ${path} aside to start from ${journalPath} alone (only the changes since its last checkpoint).`,
    );
  };
  if (image.length < 512 || !image.subarray(0, 16).equals(MAGIC)) refuse(`cannot be read as a SQLite database (${image.length} bytes${image.length ? ", no SQLite header" : ": an empty file"})`);
  let db: Database | null = null;
  try {
    db = new SQL.Database(image);
    const rows = db.exec("PRAGMA quick_check(5)")[0]?.values.map((r) => String(r[0])) ?? [];
    if (rows.length !== 1 || rows[0] !== "ok") throw new Error(rows.join("; "));
    return db;
  } catch (err) {
    db?.close();
    return refuse(`cannot be read as a SQLite database: it fails its integrity check (${(err as Error).message})`);
  }
}
