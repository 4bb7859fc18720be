import type { Logger } from "../providers/types.ts";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;

/** One line per record on stderr: `time level message key=value ...`. Readable by people and grep. */
export function createLogger(level: LogLevel = "info", scope?: string, write: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const min = LEVELS[level];
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (LEVELS[lvl] < min) return;
    const parts = [new Date().toISOString(), lvl.toUpperCase().padEnd(5), scope ? `[${scope}] ${msg}` : msg];
    for (const [k, v] of Object.entries(fields ?? {})) parts.push(`${k}=${typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v ?? null)}`);
    write(parts.join(" ") + "\n");
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}
