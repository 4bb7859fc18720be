import { crc32 } from "node:zlib";
import type { SqlParams, SqlValue } from "@agentd/core";
import { StorageOpenError } from "./errors.ts";

/** One committed transaction: its sequence number and statements, replayable in order. */
export interface JournalEntry {
  s: number;
  q: [string, SqlParams][];
}

/**
 * A value as JSON can hold it without loss: bytes as `{"$b": base64}`, the numbers JSON has no
 * literal for (NaN, ±Infinity, -0) as `{"$n": "..."}`; every other value is itself.
 */
type EncodedValue = string | number | null | { $b: string } | { $n: string };

const needsTag = (v: SqlValue): boolean => (typeof v === "object" && v !== null) || (typeof v === "number" && (!Number.isFinite(v) || Object.is(v, -0)));

function encodeValue(v: SqlValue): EncodedValue {
  if (v instanceof Uint8Array) return { $b: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") };
  if (typeof v === "number" && needsTag(v)) return { $n: Object.is(v, -0) ? "-0" : String(v) };
  return v;
}

function decodeValue(v: EncodedValue): SqlValue {
  if (typeof v !== "object" || v === null) return v;
  if ("$b" in v) return new Uint8Array(Buffer.from(v.$b, "base64"));
  return Number(v.$n);
}

/** Statements with their parameters encoded; arrays of plain values (the usual case) are kept as they are. */
function encodeStatements(q: JournalEntry["q"]): [string, readonly EncodedValue[]][] {
  return q.some(([, params]) => params.some(needsTag)) ? q.map(([sql, params]) => [sql, params.map(encodeValue)]) : (q as [string, EncodedValue[]][]);
}

/** `<crc32 hex> <json>\n`: the checksum tells a torn or corrupted line from a good one. */
export function encodeEntry(entry: JournalEntry): string {
  const json = JSON.stringify({ s: entry.s, q: encodeStatements(entry.q) });
  return `${crc32(json).toString(16).padStart(8, "0")} ${json}\n`;
}

export interface ParsedJournal {
  entries: JournalEntry[];
  /** Bytes of the journal that hold complete, valid entries. */
  goodBytes: number;
  /** Set when the file ends with the start of a line and no newline: an append cut short by a crash. */
  tornTail: { offset: number; bytes: number } | null;
}

/** A journal with a damaged line: start-up stops; nothing is truncated. */
export class JournalCorruptError extends StorageOpenError {
  override name = "JournalCorruptError";
  constructor(
    detail: string,
    readonly path: string,
    /** Where the damage starts; everything from here to the end is in doubt. */
    readonly offset: number,
    readonly line: number,
  ) {
    super(detail);
  }
}

/**
 * Parse a journal. The only damage a crash can cause is a last line cut short (no newline, and
 * what is there is the start of an entry): that is a torn tail, never acknowledged. A complete
 * line that does not check out, zero bytes, or anything else is damage to acknowledged data.
 */
export function parseJournal(buf: Buffer, path: string): ParsedJournal {
  const entries: JournalEntry[] = [];
  let offset = 0;
  let lineNo = 0;
  while (offset < buf.length) {
    lineNo++;
    const nl = buf.indexOf(0x0a, offset);
    if (nl === -1) {
      const tail = buf.subarray(offset);
      if (isTornPrefix(tail, entries.at(-1)?.s ?? -1)) return { entries, goodBytes: offset, tornTail: { offset, bytes: tail.length } };
      throw damaged(path, offset, lineNo, buf.length - offset, "the last line is not the start of a journal entry (a crash only ever cuts an entry short)");
    }
    const entry = decodeLine(buf.subarray(offset, nl).toString("utf8"));
    if (!entry) throw damaged(path, offset, lineNo, buf.length - offset, nl === buf.length - 1 ? "the last complete line fails its checksum" : "the line fails its checksum and more lines follow");
    entries.push(entry);
    offset = nl + 1;
  }
  return { entries, goodBytes: offset, tornTail: null };
}

function damaged(path: string, offset: number, lineNo: number, bytes: number, why: string): JournalCorruptError {
  return new JournalCorruptError(
    `journal ${path} is corrupt at line ${lineNo} (byte ${offset}, ${bytes} bytes from there to the end): ${why}. ` +
      `These are acknowledged changes, so nothing was truncated. See "Damaged journal" in docs/runbook.md: run 'agentctl storage check --db <db>', ` +
      `then restore the data dir from a backup, or truncate the journal to ${offset} bytes to start without the changes from there on.`,
    path,
    offset,
    lineNo,
  );
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The start of an encoded line: hex checksum, a space, then `{"s":<next seq>,...` cut anywhere. */
function isTornPrefix(tail: Buffer, lastSeq: number): boolean {
  if (tail.includes(0)) return false;
  let text: string;
  try {
    text = utf8.decode(tail, { stream: true }); // a cut may split a multi-byte character
  } catch {
    return false;
  }
  if (!/^[0-9a-f]{0,8}$/.test(text.slice(0, 8)) || (text.length > 8 && text[8] !== " ")) return false;
  const json = text.slice(9);
  if ('{"s":'.startsWith(json)) return true;
  const seq = /^\{"s":(\d+)(,|$)/.exec(json);
  return seq !== null && (seq[2] === "" || Number(seq[1]) > lastSeq) && !json.includes("\n");
}

function decodeLine(line: string): JournalEntry | null {
  const space = line.indexOf(" ");
  if (space !== 8) return null;
  const json = line.slice(9);
  if (crc32(json).toString(16).padStart(8, "0") !== line.slice(0, 8)) return null;
  try {
    const entry = JSON.parse(json) as { s: unknown; q: unknown };
    if (typeof entry.s !== "number" || !Array.isArray(entry.q)) return null;
    const q = (entry.q as [string, EncodedValue[]][]).map(([sql, params]): [string, SqlParams] => [sql, params.some((p) => typeof p === "object" && p !== null) ? params.map(decodeValue) : (params as SqlValue[])]);
    return { s: entry.s, q };
  } catch {
    return null;
  }
}
