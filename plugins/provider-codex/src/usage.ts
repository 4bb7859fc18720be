import type { RunUsage } from "@agentd/core";

/** Token counts as `codex exec --json` reports them in `turn.completed`: running totals of the thread. */
export interface CodexUsage {
  input_tokens: number;
  cached_input_tokens: number;
  cache_write_input_tokens: number;
  output_tokens: number;
  reasoning_output_tokens: number;
}

const FIELDS = ["input_tokens", "cached_input_tokens", "cache_write_input_tokens", "output_tokens", "reasoning_output_tokens"] as const;

/** Read a usage object defensively: missing or non-numeric fields count as 0. */
export function toCodexUsage(raw: unknown): CodexUsage {
  const obj = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const out = {} as CodexUsage;
  for (const f of FIELDS) out[f] = typeof obj[f] === "number" && Number.isFinite(obj[f]) ? (obj[f] as number) : 0;
  return out;
}

/**
 * This turn's usage from two thread totals. Without a previous total (first turn, new thread) the
 * total is the turn. A total smaller than the previous one means the totals are not comparable
 * (another thread, or codex reset its counters): the total is used as is rather than going negative.
 */
export function turnUsage(total: CodexUsage, previous: CodexUsage | null): CodexUsage {
  if (!previous || FIELDS.some((f) => total[f] < previous[f])) return { ...total };
  const out = {} as CodexUsage;
  for (const f of FIELDS) out[f] = total[f] - previous[f];
  return out;
}

/** The run-level usage agentd stores on the run. */
export function toRunUsage(u: CodexUsage): RunUsage {
  return {
    input_tokens: u.input_tokens,
    cached_input_tokens: u.cached_input_tokens,
    output_tokens: u.output_tokens,
    reasoning_output_tokens: u.reasoning_output_tokens,
    total_tokens: u.input_tokens + u.output_tokens,
  };
}
