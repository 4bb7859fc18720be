import pino from "pino";
import type { Logger } from "../providers/types.ts";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;
/** json: one JSON object per line (pino); text: `time LEVEL message key=value`; auto: text on a TTY, else json. */
export type LogFormat = "auto" | "json" | "text";

/** Field names whose values never reach a log: credentials by name (`authorization`, `token`, `*_token`, ...). */
const SECRET_KEY = /^(authorization|proxy-authorization|cookie|set-cookie|token|secret|password|[a-z0-9_-]*[_-](token|secret|password))$/i;
export const REDACTED = "[redacted]";

/** Copy of `fields` with secret-named values replaced, looked for three levels deep (headers, bodies). */
export function redact(fields: Record<string, unknown>, depth = 0): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(fields)) {
    let next = v;
    if (SECRET_KEY.test(k)) next = REDACTED;
    else if (depth < 3 && v !== null && typeof v === "object" && !Array.isArray(v)) next = redact(v as Record<string, unknown>, depth + 1);
    if (next !== v) (out ??= { ...fields })[k] = next;
  }
  return out ?? fields;
}

export interface LoggerOptions {
  format?: LogFormat;
  scope?: string;
  /** Where lines go (tests); default stderr. */
  write?: (line: string) => void;
  /** Is stderr a terminal (decides `auto`). */
  isTTY?: boolean;
}

export function resolveLogFormat(format: LogFormat, isTTY: boolean): "json" | "text" {
  return format === "auto" ? (isTTY ? "text" : "json") : format;
}

/** The daemon's logger: JSON lines for machines, a compact human line on a terminal; both redacted. */
export function createLogger(level: LogLevel = "info", opts: LoggerOptions = {}): Logger {
  const write = opts.write ?? ((l: string) => void process.stderr.write(l));
  const format = resolveLogFormat(opts.format ?? "auto", opts.isTTY ?? process.stderr.isTTY === true);
  return format === "json" ? jsonLogger(level, opts.scope, opts.write) : textLogger(level, opts.scope, write);
}

function jsonLogger(level: LogLevel, scope: string | undefined, write?: (line: string) => void): Logger {
  // Synchronous writes: a crash or process.exit right after a line must not lose it; logs are not per-request.
  const destination = write ? { write } : pino.destination({ fd: 2, sync: true });
  const p = pino(
    { level, base: scope ? { pid: process.pid, scope } : { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
    destination,
  );
  const at = (lvl: LogLevel) => (msg: string, fields?: Record<string, unknown>) => (fields ? p[lvl](redact(fields), msg) : p[lvl](msg));
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

function textLogger(level: LogLevel, scope: string | undefined, write: (line: string) => void): Logger {
  const min = LEVELS[level];
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (LEVELS[lvl] < min) return;
    const parts = [new Date().toISOString(), lvl.toUpperCase().padEnd(5), scope ? `[${scope}] ${msg}` : msg];
    for (const [k, v] of Object.entries(fields ? redact(fields) : {})) parts.push(`${k}=${JSON.stringify(v ?? null)}`);
    write(parts.join(" ") + "\n");
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}
