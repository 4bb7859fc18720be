// Unit tests of the codex JSONL translation over real `codex exec --json` transcripts (codex 0.169).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CodexTurnReader, MAX_TEXT, type RunEventOut } from "../../plugins/provider-codex/src/jsonl-events.ts";
import { turnUsage, toCodexUsage } from "../../plugins/provider-codex/src/usage.ts";

const FIXTURES = join(import.meta.dirname, "fixtures");

function replay(file: string, opts: Partial<ConstructorParameters<typeof CodexTurnReader>[0]> = {}): { reader: CodexTurnReader; events: RunEventOut[] } {
  const reader = new CodexTurnReader({ requestedThreadId: null, previousTotal: null, ...opts });
  const events = readFileSync(join(FIXTURES, file), "utf8").split("\n").flatMap((line) => reader.push(line));
  return { reader, events };
}

const types = (events: RunEventOut[]): string[] => events.map((e) => e.eventType);

describe("codex JSONL -> run events", () => {
  it("plain reply: thread id, warning, final message and usage", () => {
    const { reader, events } = replay("01_plain_reply.jsonl");
    assert.deepEqual(types(events), ["codex.thread_started", "codex.warning", "codex.turn_started", "agent.message", "run.usage"]);
    assert.equal(reader.threadId, "01a20a5c-78a4-7463-abbd-ae7b70f09645");
    assert.equal(reader.finalMessage, "first answer: the secret word is PINEAPPLE");
    assert.equal(reader.completed, true);
    assert.equal(reader.failure, null);
    assert.equal(reader.mismatch, null);
    assert.match(String(events[1].data.message), /Model metadata/);
    assert.deepEqual(events[4].data.turn, { input_tokens: 10, cached_input_tokens: 0, output_tokens: 2, reasoning_output_tokens: 0, total_tokens: 12 });
  });

  it("resume: same thread is not a mismatch and usage is the difference of the thread totals", () => {
    const first = replay("01_plain_reply.jsonl").reader;
    const { reader, events } = replay("02_resume_reply.jsonl", { requestedThreadId: first.threadId, previousTotal: first.usageTotal });
    assert.equal(reader.mismatch, null);
    assert.equal(events[0].data.resumed, true);
    assert.equal(reader.finalMessage, "resumed answer: PINEAPPLE");
    assert.deepEqual(reader.turnUsage, { input_tokens: 10, cached_input_tokens: 0, cache_write_input_tokens: 0, output_tokens: 2, reasoning_output_tokens: 0 });
    const usage = events.find((e) => e.eventType === "run.usage")!;
    assert.equal((usage.data.thread_total as { input_tokens: number }).input_tokens, 20);
    assert.equal(usage.data.thread_id, first.threadId);
  });

  it("resume answered by another thread: mismatch event, usage not diffed against the old thread", () => {
    const { reader, events } = replay("03_tool_call_exec_command.jsonl", {
      requestedThreadId: "01a20a5c-78a4-7463-abbd-ae7b70f09645",
      previousTotal: toCodexUsage({ input_tokens: 5, output_tokens: 1 }),
    });
    assert.deepEqual(reader.mismatch, { requested: "01a20a5c-78a4-7463-abbd-ae7b70f09645", actual: "01a20a5d-6770-7110-ba4c-fdd6b6cb0e1f" });
    const mismatch = events.find((e) => e.eventType === "codex.thread_mismatch")!;
    assert.equal(mismatch.data.thread_id, "01a20a5d-6770-7110-ba4c-fdd6b6cb0e1f");
    assert.equal(reader.turnUsage!.input_tokens, 20);
  });

  it("tool call: reasoning, command start and completion with output and exit code", () => {
    const { reader, events } = replay("03_tool_call_exec_command.jsonl");
    assert.deepEqual(types(events), [
      "codex.thread_started", "codex.warning", "codex.turn_started", "agent.reasoning", "agent.message", "tool.command", "tool.command", "agent.message", "run.usage",
    ]);
    const [started, done] = events.filter((e) => e.eventType === "tool.command");
    assert.equal(started.data.phase, "started");
    assert.equal(started.data.status, "in_progress");
    assert.equal(started.data.exit_code, null);
    assert.equal(done.data.phase, "completed");
    assert.equal(done.data.exit_code, 0);
    assert.equal(done.data.output, "hello\n");
    assert.match(String(done.data.command), /echo hello/);
    assert.equal(reader.finalMessage, "Done: wrote hello to out.txt", "the last agent message is the answer");
  });

  it("turn.failed records codex's message; earlier error events are warnings", () => {
    const { reader, events } = replay("05_failed_turn_http500_default_retries.jsonl");
    assert.equal(reader.completed, false);
    assert.match(reader.failure!, /high demand/);
    assert.equal(events.filter((e) => e.eventType === "codex.warning").length, 7);
    assert.equal(events.at(-1)!.eventType, "codex.turn_failed");
    assert.equal(reader.finalMessage, null);
  });

  it("file change, web search (duplicate id key), collab call", () => {
    const fc = replay("06_file_change_apply_patch.jsonl").events.filter((e) => e.eventType === "tool.file_change");
    assert.equal(fc.length, 2);
    assert.deepEqual(fc[1].data.changes, [{ path: "/home/dev/project/hello_patch.txt", kind: "add" }]);
    assert.equal(fc[1].data.status, "completed");

    const ws = replay("07_web_search_item.jsonl").events.filter((e) => e.eventType === "tool.web_search");
    assert.equal(ws[1].data.query, "codex exec json schema");
    assert.equal(ws[1].data.item_id, "raw_1_0", "JSON.parse keeps the last of the duplicated id keys");

    const collab = replay("08_collab_spawn_agent.jsonl").events.filter((e) => e.eventType === "agent.collab_call");
    assert.deepEqual(collab[1].data.receiver_thread_ids, ["01a20a6a-4a9e-7652-9cf1-ad183377a0bb"]);
  });

  it("an interrupted turn has no terminal event", () => {
    const { reader, events } = replay("09_sigint_during_command.jsonl");
    assert.equal(reader.completed, false);
    assert.equal(reader.failure, null);
    assert.equal(events.at(-1)!.eventType, "tool.command");
  });

  it("todo lists, MCP calls, unknown items and events, non-JSON lines", () => {
    const reader = new CodexTurnReader({ requestedThreadId: null, previousTotal: null });
    const todo = reader.push(JSON.stringify({ type: "item.updated", item: { id: "item_1", type: "todo_list", items: [{ text: "a", completed: true }] } }));
    assert.equal(todo[0].eventType, "agent.todo_list");
    assert.deepEqual(todo[0].data.items, [{ text: "a", completed: true }]);
    const mcp = reader.push(JSON.stringify({ type: "item.completed", item: { id: "item_2", type: "mcp_tool_call", server: "s", tool: "t", arguments: { x: 1 }, result: { content: [] }, error: null, status: "completed" } }));
    assert.equal(mcp[0].eventType, "tool.mcp_call");
    assert.equal(mcp[0].data.tool, "t");
    assert.equal(reader.push(JSON.stringify({ type: "item.completed", item: { id: "i", type: "brand_new" } }))[0].eventType, "codex.item");
    assert.equal(reader.push(JSON.stringify({ type: "something.else" }))[0].eventType, "codex.event");
    assert.deepEqual(reader.push("not json at all"), [{ eventType: "codex.output", data: { line: "not json at all" } }]);
    assert.deepEqual(reader.push("   "), []);
  });

  it("huge command output is cut to its tail", () => {
    const reader = new CodexTurnReader({ requestedThreadId: null, previousTotal: null });
    const output = "x".repeat(MAX_TEXT + 10) + "END";
    const [e] = reader.push(JSON.stringify({ type: "item.completed", item: { id: "i", type: "command_execution", command: "c", aggregated_output: output, exit_code: 0, status: "completed" } }));
    assert.equal(e.data.output_truncated, true);
    assert.match(String(e.data.output), /END$/);
    assert.ok(String(e.data.output).length < MAX_TEXT + 100);
  });
});

describe("per-turn usage from thread totals", () => {
  const u = (input: number, output: number) => toCodexUsage({ input_tokens: input, output_tokens: output });
  it("subtracts the previous total", () => assert.deepEqual(turnUsage(u(30, 6), u(20, 4)), u(10, 2)));
  it("uses the total on a first turn", () => assert.deepEqual(turnUsage(u(10, 2), null), u(10, 2)));
  it("never goes negative when totals are not comparable", () => assert.deepEqual(turnUsage(u(10, 2), u(20, 4)), u(10, 2)));
  it("reads missing or bad fields as 0", () => assert.deepEqual(toCodexUsage({ input_tokens: "x" }), u(0, 0)));
});
