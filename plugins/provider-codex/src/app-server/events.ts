/**
 * Pure translation of codex app-server notifications into agentd run events, with the same event
 * types as the exec transport (docs/codex-provider.md) so clients need not care which one ran:
 * agent.message, agent.reasoning, tool.command, tool.file_change, tool.mcp_call, tool.web_search,
 * codex.turn_started, codex.turn_failed, codex.warning, run.usage, codex.item, codex.event, plus
 * `assistant.delta` (token deltas, which exec does not have; the provider coalesces them).
 */
import { clip, type RunEventOut } from "../jsonl-events.ts";
import { toRunUsage, turnUsage, type CodexUsage } from "../usage.ts";
import type { Json } from "./rpc.ts";

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** Notifications that carry nothing a run's log needs (status echoes, rate limits, per-chunk output). */
const QUIET = new Set([
  "thread/started", "thread/status/changed", "account/rateLimits/updated", "remoteControl/status/changed", "serverRequest/resolved",
  "item/commandExecution/outputDelta", "item/reasoning/summaryTextDelta", "item/reasoning/textDelta", "item/reasoning/summaryPartAdded",
  "item/fileChange/outputDelta", "item/plan/delta", "turn/diff/updated", "turn/plan/updated", "mcpServer/startupStatus/updated",
]);

/** app-server's camelCase token usage, as the snake_case totals the exec transport stores. */
export function toCodexUsageV2(raw: unknown): CodexUsage {
  const u = (raw && typeof raw === "object" ? raw : {}) as Json;
  return {
    input_tokens: num(u.inputTokens),
    cached_input_tokens: num(u.cachedInputTokens),
    cache_write_input_tokens: num(u.cacheWriteInputTokens),
    output_tokens: num(u.outputTokens),
    reasoning_output_tokens: num(u.reasoningOutputTokens),
  };
}

/** File changes of a fileChange item: `{path, kind}` with kind add | delete | update. */
export function fileChanges(item: Json | undefined): Array<{ path: string; kind?: string }> {
  const changes = Array.isArray(item?.changes) ? (item.changes as Json[]) : [];
  return changes.map((c) => ({ path: String(c.path ?? ""), kind: str((c.kind as Json | undefined)?.type) ?? undefined }));
}

export class AppServerTurnReader {
  finalMessage: string | null = null;
  failure: string | null = null;
  /** turn/completed's status: completed | interrupted | failed. */
  status: string | null = null;
  usageTotal: CodexUsage | null = null;
  lastWarning: string | null = null;
  /** Items seen so far, by id (a fileChange approval names only the item). */
  readonly items = new Map<string, Json>();

  constructor(
    private readonly threadId: () => string | null,
    private readonly previousTotal: CodexUsage | null,
  ) {}

  get completed(): boolean {
    return this.status !== null;
  }

  /** This turn's share of the thread's running total (null when codex reported no usage). */
  get turnUsage(): CodexUsage | null {
    return this.usageTotal ? turnUsage(this.usageTotal, this.previousTotal) : null;
  }

  notification(method: string, params: Json): RunEventOut[] {
    switch (method) {
      case "turn/started":
        return [{ eventType: "codex.turn_started", data: { turn_id: str((params.turn as Json | undefined)?.id) } }];
      case "turn/completed":
        return this.turnCompleted((params.turn ?? {}) as Json);
      case "item/agentMessage/delta":
        return [{ eventType: "assistant.delta", data: { item_id: str(params.itemId), text: str(params.delta) ?? "" } }];
      case "item/started":
      case "item/completed":
        return this.item(method === "item/started" ? "started" : "completed", (params.item ?? {}) as Json);
      case "thread/tokenUsage/updated":
        this.usageTotal = toCodexUsageV2((params.tokenUsage as Json | undefined)?.total);
        return [];
      case "error": {
        const err = (params.error ?? {}) as Json;
        this.lastWarning = str(err.message) ?? JSON.stringify(params);
        return [{ eventType: "codex.warning", data: { message: this.lastWarning, will_retry: params.willRetry ?? null } }];
      }
      case "warning":
      case "configWarning":
        this.lastWarning = str(params.message) ?? str(params.summary) ?? "";
        return [{ eventType: "codex.warning", data: { message: this.lastWarning } }];
      default:
        return QUIET.has(method) ? [] : [{ eventType: "codex.event", data: { codex_method: method, params } }];
    }
  }

  private turnCompleted(turn: Json): RunEventOut[] {
    this.status = str(turn.status) ?? "completed";
    const out: RunEventOut[] = [];
    if (this.status === "failed") {
      this.failure = str((turn.error as Json | undefined)?.message) ?? "the turn failed without a message";
      out.push({ eventType: "codex.turn_failed", data: { message: this.failure } });
    }
    const usage = this.turnUsage;
    if (usage && this.usageTotal) out.push({ eventType: "run.usage", data: { thread_id: this.threadId(), turn: toRunUsage(usage), thread_total: this.usageTotal } });
    return out;
  }

  private item(phase: "started" | "completed", item: Json): RunEventOut[] {
    const id = str(item.id);
    if (id) this.items.set(id, item);
    const base = { item_id: id, phase };
    switch (item.type) {
      case "userMessage":
        return [];
      case "agentMessage":
        if (phase !== "completed") return [];
        this.finalMessage = str(item.text) ?? "";
        return [{ eventType: "agent.message", data: { item_id: id, text: this.finalMessage } }];
      case "reasoning": {
        if (phase !== "completed") return [];
        const parts = [...(Array.isArray(item.summary) ? item.summary : []), ...(Array.isArray(item.content) ? item.content : [])];
        return [{ eventType: "agent.reasoning", data: { item_id: id, text: parts.filter((p) => typeof p === "string").join("\n") } }];
      }
      case "commandExecution": {
        const output = clip(item.aggregatedOutput);
        return [{
          eventType: "tool.command",
          data: { ...base, command: str(item.command), cwd: str(item.cwd), output: output.text, output_truncated: output.truncated, exit_code: typeof item.exitCode === "number" ? item.exitCode : null, status: str(item.status) },
        }];
      }
      case "fileChange":
        return [{ eventType: "tool.file_change", data: { ...base, changes: fileChanges(item), status: str(item.status) } }];
      case "mcpToolCall":
        return [{
          eventType: "tool.mcp_call",
          data: { ...base, server: str(item.server), tool: str(item.tool), arguments: item.arguments ?? null, result: item.result == null ? null : clip(item.result).text, error: item.error ?? null, status: str(item.status) },
        }];
      case "webSearch":
        return [{ eventType: "tool.web_search", data: { ...base, query: str(item.query), action: item.action ?? null } }];
      default:
        return phase === "completed" ? [{ eventType: "codex.item", data: { ...base, item_type: item.type ?? null, item } }] : [];
    }
  }
}
