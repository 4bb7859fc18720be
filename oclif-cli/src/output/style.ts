/** Terminal styling for pretty output: colours only when the stream is a terminal and NO_COLOR is unset. */
import type { WriteStream } from "node:tty";

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1 } as const;
export type Style = keyof typeof CODES;

export function colorEnabled(stream: NodeJS.WriteStream | WriteStream = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "") return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== "0") return true;
  return Boolean(stream.isTTY);
}

export function paint(text: string, style: Style, enabled = colorEnabled()): string {
  return enabled ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text;
}

const STATUS_STYLE: Record<string, Style> = {
  queued: "yellow",
  running: "cyan",
  completed: "green",
  failed: "red",
  canceled: "magenta",
  ok: "green",
};

export function status(value: string, enabled = colorEnabled()): string {
  return paint(value, STATUS_STYLE[value] ?? "bold", enabled);
}

/** "12s ago", "3m ago", "in 5s"; the ISO time stays available in --format json. */
export function relativeTime(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "-";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  const diff = Math.round((now - t) / 1000);
  const abs = Math.abs(diff);
  const unit = abs < 60 ? `${abs}s` : abs < 3600 ? `${Math.floor(abs / 60)}m` : abs < 86_400 ? `${Math.floor(abs / 3600)}h` : `${Math.floor(abs / 86_400)}d`;
  return diff >= 0 ? `${unit} ago` : `in ${unit}`;
}

export function duration(startIso: string | null | undefined, endIso: string | null | undefined): string {
  if (!startIso) return "-";
  const ms = (endIso ? Date.parse(endIso) : Date.now()) - Date.parse(startIso);
  if (Number.isNaN(ms)) return "-";
  return ms < 1000 ? `${ms}ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

/** Aligned `key  value` lines; empty values show as "-". */
export function keyValues(rows: [string, string | number | boolean | null | undefined][]): string {
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v === null || v === undefined || v === "" ? "-" : String(v)}`).join("\n");
}

/** A plain table: header row, then rows; columns padded to the widest visible cell. */
export function table(header: string[], rows: string[][]): string {
  const visible = (s: string): number => s.replace(/\u001b\[\d+m/g, "").length;
  const widths = header.map((h, i) => Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ""))));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(widths[i] - visible(c)))).join("  ").trimEnd();
  return [line(header.map((h) => paint(h, "bold"))), ...rows.map(line)].join("\n");
}

export function truncate(text: string | null | undefined, max = 60): string {
  if (!text) return "-";
  const one = text.replace(/\s+/g, " ").trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
