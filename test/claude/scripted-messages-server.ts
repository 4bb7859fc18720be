/**
 * A scripted Anthropic Messages API server on loopback, for driving the real `claude` binary
 * offline (ANTHROPIC_BASE_URL=server.url). It answers `POST /v1/messages` (claude adds
 * `?beta=true` and `stream: true`) with standard Messages SSE events taken from a queue of replies,
 * and records every request body so tests can assert what the model was sent.
 *
 *   const model = await startScriptedMessagesServer([reply.text("hi")]);
 *   startDaemon({ env: model.claudeEnv(home), args: ["--claude-bin", CLAUDE_BIN] });
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Block = { type: "text"; text: string } | { type: "tool_use"; name: string; input: Record<string, unknown>; id?: string };

export type Reply =
  | { kind: "message"; blocks: Block[]; usage?: { input_tokens: number; output_tokens: number } }
  | { kind: "http_error"; status: number; message: string }
  | { kind: "hang" };

export interface MessagesRequest {
  model?: string;
  stream?: boolean;
  system?: unknown;
  messages?: Array<{ role: string; content: unknown }>;
  tools?: Array<{ name: string }>;
  max_tokens?: number;
  [key: string]: unknown;
}

export const reply = {
  text: (text: string, usage?: { input_tokens: number; output_tokens: number }): Reply => ({ kind: "message", blocks: [{ type: "text", text }], usage }),
  toolUse: (name: string, input: Record<string, unknown>, text?: string): Reply => ({
    kind: "message",
    blocks: [...(text ? [{ type: "text" as const, text }] : []), { type: "tool_use", name, input }],
  }),
  httpError: (status = 500, message = "scripted server error"): Reply => ({ kind: "http_error", status, message }),
  hang: (): Reply => ({ kind: "hang" }),
};

/** The conversation a request carries, as text, to assert on history and tool results. */
export function conversationText(body: MessagesRequest): string {
  return JSON.stringify(body.messages ?? []);
}

/** True for the main conversation's requests (claude also sends small side requests, e.g. titles). */
export function isConversation(body: MessagesRequest): boolean {
  return Array.isArray(body.tools) && body.tools.length > 0;
}

export interface ScriptedMessagesServer {
  /** http://127.0.0.1:PORT (ANTHROPIC_BASE_URL). */
  url: string;
  /** Conversation requests (with tools), in arrival order. */
  requests: MessagesRequest[];
  /** Every request, side requests included. */
  all: MessagesRequest[];
  enqueue(...replies: Reply[]): void;
  clear(): Reply[];
  /** Environment for claude: this server, a dummy key, its own HOME, no telemetry or updates. */
  claudeEnv(home: string): Record<string, string>;
  close(): Promise<void>;
}

const EXHAUSTED = reply.text("SCRIPTED SERVER: no reply left in the script");

export async function startScriptedMessagesServer(script: Reply[] = []): Promise<ScriptedMessagesServer> {
  const queue = [...script];
  const requests: MessagesRequest[] = [];
  const all: MessagesRequest[] = [];
  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ type: "error", error: { type: "api_error", message: `scripted server crashed: ${(err as Error).message}` } }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    const raw = await readBody(req);
    if (req.method !== "POST" || path !== "/v1/messages") {
      if (path.endsWith("/count_tokens")) return json(res, 200, { input_tokens: 10 });
      return json(res, 404, { type: "error", error: { type: "not_found_error", message: `scripted server: no route ${req.method} ${path}` } });
    }
    const body = (raw ? JSON.parse(raw) : {}) as MessagesRequest;
    all.push(body);
    // Side requests (no tools: titles, summaries) get a short answer and do not use the script.
    if (!isConversation(body)) return writeMessage(res, body, { kind: "message", blocks: [{ type: "text", text: "side" }] });
    requests.push(body);
    const answer = queue.shift() ?? EXHAUSTED;
    if (answer.kind === "http_error") return json(res, answer.status, { type: "error", error: { type: "api_error", message: answer.message } });
    if (answer.kind === "hang") return; // close() ends it
    writeMessage(res, body, answer);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    requests,
    all,
    enqueue: (...replies) => void queue.push(...replies),
    clear: () => queue.splice(0, queue.length),
    claudeEnv: (home) => ({
      ANTHROPIC_BASE_URL: url,
      ANTHROPIC_API_KEY: "scripted-test-key",
      HOME: home,
      DISABLE_TELEMETRY: "1",
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      DISABLE_AUTOUPDATER: "1",
      DISABLE_ERROR_REPORTING: "1",
    }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", connection: "close" });
  res.end(JSON.stringify(body));
}

/** A streamed Messages reply: message_start, one content block per scripted block, message_delta, message_stop. */
function writeMessage(res: ServerResponse, request: MessagesRequest, answer: Extract<Reply, { kind: "message" }>): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "close" });
  const send = (type: string, data: Record<string, unknown>): void => void res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  const usage = answer.usage ?? { input_tokens: 12, output_tokens: 3 };
  send("message_start", {
    message: { id: `msg_${randomUUID()}`, type: "message", role: "assistant", model: request.model ?? "claude-scripted", content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.input_tokens, output_tokens: 1 } },
  });
  answer.blocks.forEach((block, index) => {
    if (block.type === "text") {
      send("content_block_start", { index, content_block: { type: "text", text: "" } });
      send("content_block_delta", { index, delta: { type: "text_delta", text: block.text } });
    } else {
      send("content_block_start", { index, content_block: { type: "tool_use", id: block.id ?? `toolu_${randomUUID().replaceAll("-", "")}`, name: block.name, input: {} } });
      send("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: JSON.stringify(block.input) } });
    }
    send("content_block_stop", { index });
  });
  const stop = answer.blocks.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn";
  send("message_delta", { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } });
  send("message_stop", {});
  res.end();
}
