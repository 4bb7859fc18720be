// ClaudeTurnReader over real `claude -p --output-format stream-json --verbose` output of 2.1.328
// (test/claude/fixtures, captured against the scripted Messages server; paths rewritten).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ClaudeTurnReader, MAX_TEXT, type RunEventOut } from "../../plugins/provider-claude-code/src/stream-events.ts";
import { checkVersion } from "../../plugins/provider-claude-code/src/invocation.ts";

const fixture = (name: string): string[] => readFileSync(join(import.meta.dirname, "fixtures", `${name}.jsonl`), "utf8").split("\n");

function read(name: string, requested: string | null = null): { reader: ClaudeTurnReader; events: RunEventOut[] } {
  const reader = new ClaudeTurnReader(requested);
  return { reader, events: fixture(name).flatMap((l) => reader.push(l)) };
}

describe("claude stream-json to agentd events", () => {
  it("a plain reply: session started, the message, usage with cost; the result is the final text", () => {
    const { reader, events } = read("01-plain");
    assert.deepEqual(events.map((e) => e.eventType), ["claude.session_started", "agent.message", "run.usage"]);
    assert.match(reader.sessionId!, /^[0-9a-f-]{36}$/);
    assert.equal(events[0].data.resumed, false);
    assert.equal(reader.finalText, "hello from claude");
    assert.equal(reader.failure, null);
    assert.equal(reader.completed, true);
    assert.deepEqual(reader.usage, { input_tokens: 12, cached_input_tokens: 0, output_tokens: 3, reasoning_output_tokens: 0, total_tokens: 15 });
    assert.equal(events[2].data.total_cost_usd, 0.000108);
  });

  it("a resumed turn says resumed when claude keeps the requested session, and reports a mismatch otherwise", () => {
    const sid = JSON.parse(fixture("02-resume")[0]).session_id as string;
    assert.equal(read("02-resume", sid).events[0].data.resumed, true);
    const other = read("02-resume", "11111111-2222-4333-8444-555555555555");
    assert.deepEqual(other.reader.mismatch, { requested: "11111111-2222-4333-8444-555555555555", actual: sid });
    assert.ok(other.events.some((e) => e.eventType === "claude.session_mismatch"));
  });

  it("a tool use and its result become tool.call started and completed with the same id", () => {
    const { events, reader } = read("03-tool");
    const calls = events.filter((e) => e.eventType === "tool.call");
    assert.equal(calls.length, 2);
    assert.deepEqual({ phase: calls[0].data.phase, name: calls[0].data.name, input: calls[0].data.input }, { phase: "started", name: "Bash", input: { command: "echo tool-output", description: "echo" } });
    assert.deepEqual({ phase: calls[1].data.phase, output: calls[1].data.output, is_error: calls[1].data.is_error }, { phase: "completed", output: "tool-output", is_error: false });
    assert.equal(calls[1].data.tool_use_id, calls[0].data.tool_use_id);
    assert.equal(reader.finalText, "after tool");
  });

  it("a tool claude refused by itself: claude.permission_denied and an error tool result; the turn still succeeds", () => {
    const { events, reader } = read("04-permission-denied");
    const denied = events.find((e) => e.eventType === "claude.permission_denied")!;
    assert.equal(denied.data.tool_name, "Bash");
    assert.match(String(denied.data.message), /needs approval/);
    assert.equal(events.find((e) => e.eventType === "tool.call" && e.data.phase === "completed")!.data.is_error, true);
    assert.equal(reader.failure, null);
  });

  it("an API error: the turn fails with claude's message (its result says success but is_error)", () => {
    const { events, reader } = read("05-api-error");
    assert.ok(events.some((e) => e.eventType === "claude.api_error"));
    assert.ok(events.some((e) => e.eventType === "claude.result_error"));
    assert.match(reader.failure!, /^API Error: 500 scripted overload/);
    assert.equal(reader.finalText, null);
  });

  it("an unknown session on resume: the result's errors say so", () => {
    const { reader } = read("06-resume-unknown", "0b3c2a4e-1111-4222-8333-444455556666");
    assert.deepEqual(reader.errors, ["No conversation found with session ID: 0b3c2a4e-1111-4222-8333-444455556666"]);
    assert.ok(reader.failure);
  });

  it("lines that are not JSON objects are kept as claude.output; unknown types as claude.event; long output is cut", () => {
    const reader = new ClaudeTurnReader(null);
    assert.deepEqual(reader.push("not json"), [{ eventType: "claude.output", data: { line: "not json" } }]);
    assert.deepEqual(reader.push(""), []);
    assert.equal(reader.push('{"type":"stream_event"}')[0].eventType, "claude.event");
    const long = reader.push(JSON.stringify({ type: "user", message: { content: [{ type: "tool_result", tool_use_id: "t", content: "x".repeat(MAX_TEXT + 10) }] } }))[0];
    assert.equal(long.data.output_truncated, true);
    assert.ok(String(long.data.output).length < MAX_TEXT + 100);
  });

  it("version check: 2.1.x and later 2.x are supported, others are not", () => {
    assert.deepEqual(checkVersion("2.1.328 (Claude Code)\n"), { version: "2.1.328", supported: true });
    assert.equal(checkVersion("2.4.0 (Claude Code)").supported, true);
    assert.equal(checkVersion("2.0.9 (Claude Code)").supported, false);
    assert.equal(checkVersion("3.0.0").supported, false);
    assert.equal(checkVersion("codex-cli").supported, false);
  });
});
