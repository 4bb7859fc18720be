import { crc32 } from "node:zlib";
import type { SqlParams } from "@agentd/core";

/** One committed transaction: its sequence number and statements, replayable in order. */
export interface JournalEntry {
  s: number;
  q: [string, SqlParams][];
}

/** `<crc32 hex> <json>\n`: the checksum tells a torn or corrupted line from a good one. */
export function encodeEntry(entry: JournalEntry): string {
  const json = JSON.stringify(entry);
  return `${crc32(json).toString(16).padStart(8, "0")} ${json}\n`;
}

export interface ParsedJournal {
  entries: JournalEntry[];
  /** Bytes of the journal that hold complete, valid entries. */
  goodBytes: number;
  /** Set when the last line was incomplete or invalid (a write cut short by a crash). */
  tornTail: { offset: number; bytes: number } | null;
}

export class JournalCorruptError extends Error {
  override name = "JournalCorruptError";
}

/**
 * Parse a journal. Only the last line may be damaged (a crash mid-append): it is reported as a
 * torn tail. A damaged line followed by good ones means real corruption and throws.
 */
export function parseJournal(buf: Buffer, path: string): ParsedJournal {
  const entries: JournalEntry[] = [];
  let offset = 0;
  let lineNo = 0;
  while (offset < buf.length) {
    lineNo++;
    const nl = buf.indexOf(0x0a, offset);
    const end = nl === -1 ? buf.length : nl;
    const line = buf.subarray(offset, end).toString("utf8");
    const entry = nl === -1 ? null : decodeLine(line);
    if (!entry) {
      const rest = nl === -1 ? Buffer.alloc(0) : buf.subarray(nl + 1);
      if (rest.toString("utf8").trim() === "") return { entries, goodBytes: offset, tornTail: { offset, bytes: buf.length - offset } };
      throw new JournalCorruptError(
        `journal ${path} is corrupt at line ${lineNo} (byte ${offset}) and more entries follow it. Nothing was changed. ` +
          `Run 'agentctl storage check --db <db>' for details; restore the data dir from a backup, or move the journal aside to start from the last snapshot (losing the changes since).`,
      );
    }
    entries.push(entry);
    offset = end + 1;
  }
  return { entries, goodBytes: offset, tornTail: null };
}

function decodeLine(line: string): JournalEntry | null {
  const space = line.indexOf(" ");
  if (space !== 8) return null;
  const json = line.slice(9);
  if (crc32(json).toString(16).padStart(8, "0") !== line.slice(0, 8)) return null;
  try {
    const entry = JSON.parse(json) as JournalEntry;
    return typeof entry.s === "number" && Array.isArray(entry.q) ? entry : null;
  } catch {
    return null;
  }
}
