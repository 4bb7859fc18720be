/**
 * A scripted OpenAI-compatible Chat Completions server on loopback, for the embedded runtime's
 * tests (a paid model API is out of reach in CI). Each POST /v1/chat/completions takes the next
 * scripted reply; it streams SSE deltas and tool calls the way OpenAI does, or answers with an
 * HTTP error (429 + Retry-After, 401, 500), hangs, or drops the connection mid-answer.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ScriptedToolCall {
  name: string;
  /** A JSON string (may be invalid on purpose) or an object to serialize. */
  arguments: string | Record<string, unknown>;
  id?: string;
}

export type ScriptedReply =
  /** Stream `text` in pieces of `chunkSize` chars, `delayMs` apart; then `tool_calls` if any. */
  | { kind: "stream"; text?: string; chunkSize?: number; delayMs?: number; toolCalls?: ScriptedToolCall[]; usage?: { prompt_tokens: number; completion_tokens: number } }
  | { kind: "error"; status: number; message?: string; headers?: Record<string, string> }
  /** Send the headers (and `text`, if any), then never another byte. */
  | { kind: "hang"; text?: string }
  /** Send the headers (and `text`, if any), then close the connection without finishing. */
  | { kind: "drop"; text?: string };

export interface RecordedRequest {
  body: {
    model: string;
    messages: Array<{ role: string; content?: string | null; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>; tool_call_id?: string }>;
    tools?: Array<{ type: string; function: { name: string; description?: string; parameters?: unknown } }>;
    stream?: boolean;
    stream_options?: { include_usage?: boolean };
  };
  headers: IncomingMessage["headers"];
  receivedAt: number;
  /** Set when the client closed the connection before the reply was complete. */
  closedEarlyAt: number | null;
  /** Resolves when the exchange ended (finished or closed by the client). */
  ended: Promise<void>;
}

export interface ScriptedServer {
  /** Base URL including `/v1`, as `--model-base-url` expects. */
  baseUrl: string;
  requests: RecordedRequest[];
  /** Queue replies; each request takes the next one. With none left, the server answers 500. */
  script(...replies: ScriptedReply[]): void;
  /** Answer requests the script has no reply left for by calling `decide` (a model that reacts to what it is sent). */
  fallback(decide: ((body: RecordedRequest["body"]) => ScriptedReply) | null): void;
  /** Replies nobody asked for; clears them. */
  unused(): ScriptedReply[];
  close(): Promise<void>;
}

const sse = (res: ServerResponse, data: unknown): boolean => res.write(`data: ${JSON.stringify(data)}\n\n`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startScriptedOpenAIServer(): Promise<ScriptedServer> {
  const queue: ScriptedReply[] = [];
  const requests: RecordedRequest[] = [];
  const open = new Set<ServerResponse>();
  let decide: ((body: RecordedRequest["body"]) => ScriptedReply) | null = null;

  const server = createServer(async (req, res) => {
    if (req.method === "GET" && req.url === "/v1/models") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ object: "list", data: [{ id: "scripted-model", object: "model" }] }));
      return;
    }
    if (req.method !== "POST" || req.url !== "/v1/chat/completions") {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `no route ${req.method} ${req.url}` } }));
      return;
    }
    let raw = "";
    for await (const chunk of req) raw += chunk;
    let endExchange!: () => void;
    const recorded: RecordedRequest = { body: JSON.parse(raw), headers: req.headers, receivedAt: Date.now(), closedEarlyAt: null, ended: new Promise((r) => (endExchange = r)) };
    requests.push(recorded);
    open.add(res);
    res.on("close", () => {
      if (!res.writableFinished) recorded.closedEarlyAt = Date.now();
      open.delete(res);
      endExchange();
    });
    const reply = queue.shift() ?? decide?.(recorded.body) ?? { kind: "error", status: 500, message: "the scripted server has no reply left for this request" };
    await respond(reply, recorded, res);
  });

  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (...replies) => void queue.push(...replies),
    fallback: (fn) => void (decide = fn),
    unused: () => queue.splice(0),
    close: async () => {
      for (const res of open) res.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function respond(reply: ScriptedReply, recorded: RecordedRequest, res: ServerResponse): Promise<void> {
  if (reply.kind === "error") {
    const body = { error: { message: reply.message ?? `scripted error ${reply.status}`, type: "scripted_error", code: null } };
    res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers }).end(JSON.stringify(body));
    return;
  }
  const model = recorded.body.model;
  const base = { id: `chatcmpl-${Math.random().toString(36).slice(2)}`, object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model };
  const text = reply.text ?? "";
  if (recorded.body.stream === false) {
    // Non-streaming clients get the whole completion at once.
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({ ...base, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }] }),
    );
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
  res.flushHeaders();
  const closed = (): boolean => recorded.closedEarlyAt !== null || res.destroyed;
  sse(res, { ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] });

  if (reply.kind === "hang" || reply.kind === "drop") {
    if (text) sse(res, { ...base, choices: [{ index: 0, delta: { content: text }, finish_reason: null }] });
    // A hang never sends another byte (the client must give up); a drop ends the body early.
    if (reply.kind === "drop") res.end();
    return;
  }

  const size = Math.max(1, reply.chunkSize ?? 4);
  for (let i = 0; i < text.length && !closed(); i += size) {
    sse(res, { ...base, choices: [{ index: 0, delta: { content: text.slice(i, i + size) }, finish_reason: null }] });
    if (reply.delayMs) await sleep(reply.delayMs);
  }
  const calls = reply.toolCalls ?? [];
  calls.forEach((call, index) => {
    const args = typeof call.arguments === "string" ? call.arguments : JSON.stringify(call.arguments);
    const id = call.id ?? `call_${index}_${Math.random().toString(36).slice(2, 8)}`;
    // Like OpenAI: the first fragment names the function, the arguments follow in pieces.
    sse(res, { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, id, type: "function", function: { name: call.name, arguments: "" } }] }, finish_reason: null }] });
    for (let i = 0; i < args.length; i += 7) {
      sse(res, { ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: args.slice(i, i + 7) } }] }, finish_reason: null }] });
    }
  });
  if (closed()) return;
  sse(res, { ...base, choices: [{ index: 0, delta: {}, finish_reason: calls.length ? "tool_calls" : "stop" }] });
  if (recorded.body.stream_options?.include_usage) {
    const usage = reply.usage ?? { prompt_tokens: 10, completion_tokens: Math.max(1, Math.ceil(text.length / 4)) };
    sse(res, { ...base, choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } });
  }
  res.end("data: [DONE]\n\n");
}
