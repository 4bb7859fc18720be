import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { JournalCorruptError, parseJournal, type ParsedJournal } from "./journal.ts";

/**
 * Read and parse one journal segment. On damage, copy the damaged bytes (from the first bad line
 * to the end) to `<segment>.damaged-<offset>-<time>` next to it, leave the segment as it is, and
 * stop with a message naming both files. A restart loop does not pile up copies.
 */
export function readSegment(path: string): ParsedJournal | null {
  if (!existsSync(path)) return null;
  const buf = readFileSync(path);
  try {
    return parseJournal(buf, path);
  } catch (err) {
    if (!(err instanceof JournalCorruptError)) throw err;
    let saved: string;
    try {
      saved = `The damaged bytes are also saved in ${saveDamaged(path, buf.subarray(err.offset), err.offset)}.`;
    } catch (copyErr) {
      saved = `A copy of the damaged bytes could not be saved (${(copyErr as NodeJS.ErrnoException).code ?? String(copyErr)}); the journal itself still holds them.`;
    }
    throw new JournalCorruptError(`${err.detail} ${saved}`, err.path, err.offset, err.line);
  }
}

function saveDamaged(path: string, bytes: Buffer, offset: number): string {
  const prefix = `${basename(path)}.damaged-${offset}-`;
  const existing = readdirSync(dirname(path)).find((f) => f.startsWith(prefix) && statSync(join(dirname(path), f)).size === bytes.length);
  if (existing) return join(dirname(path), existing);
  const copy = `${path}.damaged-${offset}-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  writeFileSync(copy, bytes, { flag: "wx" });
  return copy;
}
