/**
 * Pure translation of `codex exec --json` output (one JSON object per stdout line) into agentd run
 * events, plus the facts the provider needs at the end of the turn: the thread id, the final agent
 * message, the usage and the failure, if any. No I/O here, so it is tested over real transcripts.
 *
 * Event types (stable, documented in docs/codex-provider.md):
 *   codex.thread_started, codex.thread_mismatch, codex.turn_started, codex.turn_failed,
 *   agent.message, agent.reasoning, agent.todo_list, agent.collab_call,
 *   tool.command, tool.file_change, tool.mcp_call, tool.web_search,
 *   codex.warning, run.usage, codex.item (unknown item type), codex.event (unknown event),
 *   codex.output (a stdout line that is not JSON).
 */
import { toCodexUsage, toRunUsage, turnUsage, type CodexUsage } from "./usage.ts";

export interface RunEventOut {
  eventType: string;
  data: Record<string, unknown>;
}

export interface TurnReaderOptions {
  /** The thread this turn resumes; null on a first turn. */
  requestedThreadId: string | null;
  /** The thread's usage total after the previous turn, if known. */
  previousTotal: CodexUsage | null;
}

/** Long command output is cut so one event stays small; the run still sees the tail. */
export const MAX_TEXT = 64 * 1024;

type Json = Record<string, unknown>;
type Phase = "started" | "updated" | "completed";

/** Text of at most MAX_TEXT characters (the tail kept), and whether it was cut. */
export function clip(value: unknown): { text: string; truncated: boolean } {
  const text = typeof value === "string" ? value : value == null ? "" : JSON.stringify(value);
  if (text.length <= MAX_TEXT) return { text, truncated: false };
  return { text: `[... ${text.length - MAX_TEXT} characters cut ...]\n${text.slice(-MAX_TEXT)}`, truncated: true };
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);

export class CodexTurnReader {
  threadId: string | null = null;
  /** Text of the last `agent_message`: the session's assistant message. */
  finalMessage: string | null = null;
  /** `turn.failed`'s message. */
  failure: string | null = null;
  completed = false;
  /** The thread total from `turn.completed`, and this turn's share of it. */
  usageTotal: CodexUsage | null = null;
  turnUsage: CodexUsage | null = null;
  /** Set when codex answered with another thread than the one asked for. */
  mismatch: { requested: string; actual: string } | null = null;
  private lastWarning: string | null = null;

  constructor(private readonly opts: TurnReaderOptions) {}

  /** The last warning codex printed (its `error` events), useful when the turn then fails. */
  get warning(): string | null {
    return this.lastWarning;
  }

  /** Feed one stdout line; returns the run events it stands for (possibly none). */
  push(line: string): RunEventOut[] {
    const trimmed = line.trim();
    if (!trimmed) return [];
    let event: Json;
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
      event = parsed as Json;
    } catch {
      return [{ eventType: "codex.output", data: { line: clip(trimmed).text } }];
    }
    switch (event.type) {
      case "thread.started":
        return this.threadStarted(str(event.thread_id));
      case "turn.started":
        return [{ eventType: "codex.turn_started", data: {} }];
      case "turn.completed":
        return this.turnCompleted(event.usage);
      case "turn.failed": {
        const err = (event.error ?? {}) as Json;
        this.failure = str(err.message) ?? JSON.stringify(event.error ?? null);
        return [{ eventType: "codex.turn_failed", data: { message: this.failure } }];
      }
      case "error": {
        this.lastWarning = str(event.message) ?? "";
        return [{ eventType: "codex.warning", data: { message: this.lastWarning } }];
      }
      case "item.started":
      case "item.updated":
      case "item.completed":
        return this.item(event.type.slice("item.".length) as Phase, (event.item ?? {}) as Json);
      default:
        return [{ eventType: "codex.event", data: { codex_type: event.type ?? null, event } }];
    }
  }

  private threadStarted(threadId: string | null): RunEventOut[] {
    this.threadId = threadId;
    const requested = this.opts.requestedThreadId;
    const out: RunEventOut[] = [{ eventType: "codex.thread_started", data: { thread_id: threadId, resumed: requested !== null && requested === threadId } }];
    if (requested && threadId && requested !== threadId) {
      this.mismatch = { requested, actual: threadId };
      out.push({ eventType: "codex.thread_mismatch", data: { requested_thread_id: requested, thread_id: threadId } });
    }
    return out;
  }

  private turnCompleted(rawUsage: unknown): RunEventOut[] {
    this.completed = true;
    const total = toCodexUsage(rawUsage);
    // Totals of another thread are not comparable with this one's.
    const previous = this.mismatch ? null : this.opts.previousTotal;
    this.usageTotal = total;
    this.turnUsage = turnUsage(total, previous);
    return [{ eventType: "run.usage", data: { thread_id: this.threadId, turn: toRunUsage(this.turnUsage), thread_total: total } }];
  }

  private item(phase: Phase, item: Json): RunEventOut[] {
    const base = { item_id: str(item.id), phase };
    switch (item.type) {
      case "agent_message":
        if (phase !== "completed") return [];
        this.finalMessage = str(item.text) ?? "";
        return [{ eventType: "agent.message", data: { item_id: base.item_id, text: this.finalMessage } }];
      case "reasoning":
        if (phase !== "completed") return [];
        return [{ eventType: "agent.reasoning", data: { item_id: base.item_id, text: str(item.text) ?? "" } }];
      case "command_execution": {
        const output = clip(item.aggregated_output);
        return [{
          eventType: "tool.command",
          data: { ...base, command: str(item.command), output: output.text, output_truncated: output.truncated, exit_code: typeof item.exit_code === "number" ? item.exit_code : null, status: str(item.status) },
        }];
      }
      case "file_change":
        return [{ eventType: "tool.file_change", data: { ...base, changes: Array.isArray(item.changes) ? item.changes : [], status: str(item.status) } }];
      case "mcp_tool_call":
        return [{
          eventType: "tool.mcp_call",
          data: { ...base, server: str(item.server), tool: str(item.tool), arguments: item.arguments ?? null, result: item.result == null ? null : clip(item.result).text, error: item.error ?? null, status: str(item.status) },
        }];
      case "web_search":
        return [{ eventType: "tool.web_search", data: { ...base, query: str(item.query), action: item.action ?? null } }];
      case "todo_list":
        return [{ eventType: "agent.todo_list", data: { ...base, items: Array.isArray(item.items) ? item.items : [] } }];
      case "collab_tool_call":
        return [{
          eventType: "agent.collab_call",
          data: { ...base, tool: str(item.tool), prompt: str(item.prompt), sender_thread_id: str(item.sender_thread_id), receiver_thread_ids: item.receiver_thread_ids ?? [], agents_states: item.agents_states ?? {}, status: str(item.status) },
        }];
      case "error":
        // An `error` item is a warning (e.g. unknown model metadata), not a failure.
        this.lastWarning = str(item.message) ?? "";
        return [{ eventType: "codex.warning", data: { item_id: base.item_id, message: this.lastWarning } }];
      default:
        return [{ eventType: "codex.item", data: { ...base, item_type: item.type ?? null, item } }];
    }
  }
}
