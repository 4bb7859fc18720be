/**
 * Pure translation of `claude -p --output-format stream-json --verbose` output (one JSON object per
 * stdout line) into agentd run events, plus what the provider needs at the end of the turn: the
 * session id, the final text, the usage and the failure. No I/O here, so it is tested over real output.
 *
 * Event types (stable, documented in docs/claude-code-provider.md):
 *   claude.session_started, claude.session_mismatch, claude.permission_denied, claude.api_error,
 *   agent.message, agent.reasoning,
 *   tool.call (phase "started": the tool_use; phase "completed": its tool_result),
 *   run.usage, claude.result_error, claude.system (other system lines), claude.event (unknown),
 *   claude.output (a stdout line that is not JSON).
 */
import type { RunUsage } from "@agentd/core";

export interface RunEventOut {
  eventType: string;
  data: Record<string, unknown>;
}

/** Long tool output is cut so one event stays small. */
export const MAX_TEXT = 64 * 1024;

type Json = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

function clip(value: unknown): { text: string; truncated: boolean } {
  const text = typeof value === "string" ? value : value == null ? "" : JSON.stringify(value);
  if (text.length <= MAX_TEXT) return { text, truncated: false };
  return { text: `[... ${text.length - MAX_TEXT} characters cut ...]\n${text.slice(-MAX_TEXT)}`, truncated: true };
}

/** A tool_result's content: a string, or text blocks. */
function resultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((b) => (b && typeof b === "object" && typeof (b as Json).text === "string" ? (b as Json).text : JSON.stringify(b))).join("\n");
  return content == null ? "" : JSON.stringify(content);
}

export class ClaudeTurnReader {
  sessionId: string | null = null;
  /** `result.result` of a successful turn (else the last assistant text). */
  finalText: string | null = null;
  /** Why the turn failed, from the result line (`is_error`) or an API error message. */
  failure: string | null = null;
  /** The result line's `errors` (e.g. "No conversation found with session ID: ..."). */
  errors: string[] = [];
  completed = false;
  usage: RunUsage | null = null;
  mismatch: { requested: string; actual: string } | null = null;
  private lastText: string | null = null;

  constructor(private readonly requestedSessionId: string | null) {}

  push(line: string): RunEventOut[] {
    const trimmed = line.trim();
    if (!trimmed) return [];
    let event: Json;
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
      event = parsed as Json;
    } catch {
      return [{ eventType: "claude.output", data: { line: clip(trimmed).text } }];
    }
    switch (event.type) {
      case "system":
        if (event.subtype === "init") return this.init(event);
        if (event.subtype === "permission_denied") {
          // claude refused a tool by itself (no permission tool, or the mode/rules said no).
          return [{ eventType: "claude.permission_denied", data: { tool_name: str(event.tool_name), tool_use_id: str(event.tool_use_id), message: str(event.message) } }];
        }
        return [{ eventType: "claude.system", data: { subtype: str(event.subtype), event } }];
      case "assistant":
        return this.assistant(event);
      case "user":
        return this.user(event);
      case "result":
        return this.result(event);
      default:
        return [{ eventType: "claude.event", data: { claude_type: event.type ?? null, event } }];
    }
  }

  private init(event: Json): RunEventOut[] {
    const id = str(event.session_id);
    this.sessionId = id;
    const requested = this.requestedSessionId;
    const tools = Array.isArray(event.tools) ? event.tools : [];
    const out: RunEventOut[] = [{
      eventType: "claude.session_started",
      data: { session_id: id, resumed: requested !== null && requested === id, model: str(event.model), permission_mode: str(event.permissionMode), tools, mcp_servers: event.mcp_servers ?? [] },
    }];
    if (requested && id && requested !== id) {
      this.mismatch = { requested, actual: id };
      out.push({ eventType: "claude.session_mismatch", data: { requested_session_id: requested, session_id: id } });
    }
    return out;
  }

  private assistant(event: Json): RunEventOut[] {
    const message = (event.message ?? {}) as Json;
    const parent = str(event.parent_tool_use_id);
    const out: RunEventOut[] = [];
    if (event.is_api_error_message === true || typeof event.error === "string") {
      // An API failure claude reports as a synthetic assistant message; the result line follows.
      const text = Array.isArray(message.content) ? resultText(message.content) : "";
      this.failure = text || `API error ${String(event.error)}`;
      return [{ eventType: "claude.api_error", data: { error: event.error ?? null, status: event.api_error_status ?? null, message: this.failure } }];
    }
    for (const block of Array.isArray(message.content) ? (message.content as Json[]) : []) {
      switch (block?.type) {
        case "text":
          this.lastText = str(block.text) ?? "";
          out.push({ eventType: "agent.message", data: { message_id: str(message.id), text: this.lastText, parent_tool_use_id: parent } });
          break;
        case "thinking":
          out.push({ eventType: "agent.reasoning", data: { message_id: str(message.id), text: str(block.thinking) ?? "" } });
          break;
        case "tool_use":
          out.push({ eventType: "tool.call", data: { phase: "started", tool_use_id: str(block.id), name: str(block.name), input: block.input ?? null, parent_tool_use_id: parent } });
          break;
        default:
          out.push({ eventType: "claude.event", data: { claude_type: `assistant.${String(block?.type)}`, block } });
      }
    }
    return out;
  }

  private user(event: Json): RunEventOut[] {
    const message = (event.message ?? {}) as Json;
    const out: RunEventOut[] = [];
    for (const block of Array.isArray(message.content) ? (message.content as Json[]) : []) {
      if (block?.type !== "tool_result") continue; // claude echoes its own notes ("[Request interrupted ...]")
      const output = clip(resultText(block.content));
      out.push({ eventType: "tool.call", data: { phase: "completed", tool_use_id: str(block.tool_use_id), is_error: block.is_error === true, output: output.text, output_truncated: output.truncated } });
    }
    return out;
  }

  private result(event: Json): RunEventOut[] {
    this.completed = true;
    if (str(event.session_id)) this.sessionId ??= str(event.session_id);
    this.errors = Array.isArray(event.errors) ? event.errors.map(String) : [];
    const u = (event.usage ?? {}) as Json;
    const cached = num(u.cache_read_input_tokens);
    const input = num(u.input_tokens) + cached + num(u.cache_creation_input_tokens);
    const output = num(u.output_tokens);
    this.usage = { input_tokens: input, cached_input_tokens: cached, output_tokens: output, reasoning_output_tokens: num((u.output_tokens_details as Json | undefined)?.thinking_tokens), total_tokens: input + output };
    const out: RunEventOut[] = [{
      eventType: "run.usage",
      data: { session_id: this.sessionId, turn: this.usage, usage: event.usage ?? null, total_cost_usd: typeof event.total_cost_usd === "number" ? event.total_cost_usd : null, num_turns: event.num_turns ?? null, duration_ms: event.duration_ms ?? null },
    }];
    if (event.is_error === true || (typeof event.subtype === "string" && event.subtype.startsWith("error"))) {
      this.failure = str(event.result) || this.errors.join("; ") || this.failure || `claude reported ${String(event.subtype)}`;
      out.push({ eventType: "claude.result_error", data: { subtype: str(event.subtype), message: this.failure, errors: this.errors, api_error_status: event.api_error_status ?? null } });
    } else {
      this.finalText = str(event.result) ?? this.lastText ?? "";
    }
    return out;
  }
}
