/**
 * A scripted OpenAI Responses-API model server on loopback, for driving the real `codex` binary
 * offline. It answers `POST /v1/responses` with `text/event-stream` replies taken from a script
 * (a queue of replies, or a function of the request) and records every request body so tests can
 * assert what the model was sent (e.g. that a resumed turn carries the earlier history).
 *
 *   const model = await startScriptedResponsesServer([reply.shell("echo hi"), reply.message("done")]);
 *   const home = model.writeCodexHome();          // temp CODEX_HOME whose config.toml points here
 *   startDaemon({ env: { ...model.codexEnv(home) }, args: ["--codex-bin", CODEX_BIN, ...CODEX_TEST_ARGS] });
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** An output item of a model reply (the subset codex understands and tests need). */
export type OutputItem =
  | { type: "message"; text: string; /** Stream the text first as these `output_text.delta` pieces. */ deltas?: string[] }
  | { type: "function_call"; name: string; arguments: Record<string, unknown>; call_id?: string }
  | { type: "reasoning"; text: string };

export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cached_tokens?: number;
  reasoning_tokens?: number;
}

/** One scripted answer to one request: a streamed response, an HTTP error status, or no answer at all. */
export type Reply =
  | { kind: "stream"; items: OutputItem[]; usage?: Usage }
  | { kind: "http_error"; status: number; message: string }
  | { kind: "hang" };

/** The request as codex sent it. `input` is the conversation history the model receives. */
export interface RecordedRequest {
  method: string;
  path: string;
  body: ResponsesRequestBody;
}

export interface ResponsesRequestBody {
  model?: string;
  input?: Array<Record<string, unknown>>;
  tools?: unknown[];
  stream?: boolean;
  [key: string]: unknown;
}

export type Script = Reply[] | ((request: RecordedRequest, index: number) => Reply);

/** Builders for replies. */
export const reply = {
  message: (text: string, usage?: Usage): Reply => ({ kind: "stream", items: [{ type: "message", text }], usage }),
  /** A message streamed token by token (`response.output_text.delta`), as a real model does. */
  streamedMessage: (pieces: string[], usage?: Usage): Reply => ({ kind: "stream", items: [{ type: "message", text: pieces.join(""), deltas: pieces }], usage }),
  /**
   * A function call of codex's `exec_command` tool: codex runs `cmd` and sends the output back.
   * codex waits `yieldTimeMs` (default 10 s, at most 30 s) for the command before reporting it
   * as still running; `login: false` keeps the caller's PATH.
   */
  shell: (cmd: string, opts: { login?: boolean; text?: string; callId?: string; yieldTimeMs?: number } = {}): Reply => ({
    kind: "stream",
    items: [
      ...(opts.text ? [{ type: "message" as const, text: opts.text }] : []),
      {
        type: "function_call",
        name: "exec_command",
        call_id: opts.callId,
        arguments: { cmd, ...(opts.login === undefined ? {} : { login: opts.login }), ...(opts.yieldTimeMs === undefined ? {} : { yield_time_ms: opts.yieldTimeMs }) },
      },
    ],
  }),
  /** Any function call (e.g. another codex tool). */
  functionCall: (name: string, args: Record<string, unknown>, callId?: string): Reply => ({ kind: "stream", items: [{ type: "function_call", name, arguments: args, call_id: callId }] }),
  items: (items: OutputItem[], usage?: Usage): Reply => ({ kind: "stream", items, usage }),
  httpError: (status = 500, message = "scripted server error"): Reply => ({ kind: "http_error", status, message }),
  /** Never answer (until the server closes): keeps codex busy waiting on the model. */
  hang: (): Reply => ({ kind: "hang" }),
};

/** Text of every message and function-call output in a request's input, to assert on history. */
export function inputText(body: ResponsesRequestBody): string {
  return JSON.stringify(body.input ?? []);
}

/** The `function_call_output` entries of a request (what codex reports after running a tool). */
export function functionCallOutputs(body: ResponsesRequestBody): Array<{ call_id: string; output: string }> {
  return (body.input ?? [])
    .filter((i) => i.type === "function_call_output")
    .map((i) => ({ call_id: String(i.call_id), output: typeof i.output === "string" ? i.output : JSON.stringify(i.output) }));
}

export interface ScriptedResponsesServer {
  /** e.g. http://127.0.0.1:PORT/v1 (what codex's `base_url` needs). */
  baseUrl: string;
  /** Every POST /v1/responses body, in arrival order. */
  requests: RecordedRequest[];
  /** Append replies to a queue script. */
  enqueue(...replies: Reply[]): void;
  /** Drop the replies still queued (e.g. after a canceled turn that did not use them all). */
  clear(): Reply[];
  /** Write a temp CODEX_HOME with a config.toml pointing codex at this server; returns its path. */
  writeCodexHome(dir?: string): string;
  /** Environment codex needs to use this server: CODEX_HOME and the provider's API key variable. */
  codexEnv(codexHome: string): Record<string, string>;
  close(): Promise<void>;
}

/** Reply sent when a queue script runs dry: visible in assertions, never a hang. */
const EXHAUSTED = reply.message("SCRIPTED SERVER: no reply left in the script");

export async function startScriptedResponsesServer(script: Script = []): Promise<ScriptedResponsesServer> {
  const queue: Reply[] = Array.isArray(script) ? [...script] : [];
  const requests: RecordedRequest[] = [];
  let responseCount = 0;

  const next = (request: RecordedRequest): Reply => {
    const index = responseCount++;
    if (typeof script === "function") return script(request, index);
    return queue.shift() ?? EXHAUSTED;
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `scripted server crashed: ${(err as Error).message}` } }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    const raw = await readBody(req);
    if (req.method === "GET" && path.endsWith("/models")) {
      json(res, 200, { object: "list", data: [{ id: "mock-model", object: "model", created: 0, owned_by: "agentd-tests" }], models: [] });
      return;
    }
    if (req.method !== "POST" || !path.endsWith("/responses")) {
      json(res, 404, { error: { message: `scripted server: no route ${req.method} ${path}` } });
      return;
    }
    const body = (raw ? JSON.parse(raw) : {}) as ResponsesRequestBody;
    const request: RecordedRequest = { method: req.method, path, body };
    requests.push(request);
    const answer = next(request);
    if (answer.kind === "http_error") {
      json(res, answer.status, { error: { message: answer.message, type: "server_error", code: null } });
      return;
    }
    if (answer.kind === "hang") return; // closeAllConnections() ends it
    writeStream(res, answer);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}/v1`;

  return {
    baseUrl,
    requests,
    enqueue: (...replies) => {
      if (typeof script === "function") throw new Error("enqueue() needs a queue script, not a function script");
      queue.push(...replies);
    },
    clear: () => queue.splice(0, queue.length),
    writeCodexHome(dir = mkdtempSync(join(tmpdir(), "agentd-codex-home-"))) {
      writeFileSync(
        join(dir, "config.toml"),
        [
          `model = "mock-model"`,
          `model_provider = "mock"`,
          ``,
          `[model_providers.mock]`,
          `name = "mock"`,
          `base_url = "${baseUrl}"`,
          `wire_api = "responses"`,
          `env_key = "MOCK_KEY"`,
          ``,
        ].join("\n"),
      );
      return dir;
    },
    codexEnv: (codexHome) => ({ CODEX_HOME: codexHome, MOCK_KEY: "scripted-test-key" }),
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

/** One SSE event per step, then close: codex waits on the socket until `response.completed`. */
function writeStream(res: ServerResponse, answer: Extract<Reply, { kind: "stream" }>): void {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "close" });
  const id = `resp_${randomUUID()}`;
  const send = (type: string, data: Record<string, unknown>): void => {
    res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  };
  send("response.created", { response: { id } });
  answer.items.forEach((item, outputIndex) => {
    const wire = toWireItem(item);
    if (item.type === "message" && item.deltas) {
      send("response.output_item.added", { output_index: outputIndex, item: { ...wire, content: [] } });
      for (const delta of item.deltas) send("response.output_text.delta", { item_id: wire.id, output_index: outputIndex, content_index: 0, delta });
    }
    send("response.output_item.done", { output_index: outputIndex, item: wire });
  });
  const u = answer.usage ?? { input_tokens: 10, output_tokens: 2 };
  send("response.completed", {
    response: {
      id,
      usage: {
        input_tokens: u.input_tokens,
        output_tokens: u.output_tokens,
        total_tokens: u.input_tokens + u.output_tokens,
        input_tokens_details: { cached_tokens: u.cached_tokens ?? 0 },
        output_tokens_details: { reasoning_tokens: u.reasoning_tokens ?? 0 },
      },
    },
  });
  res.end();
}

function toWireItem(item: OutputItem): Record<string, unknown> {
  const id = `item_${randomUUID()}`;
  switch (item.type) {
    case "message":
      return { type: "message", role: "assistant", id, content: [{ type: "output_text", text: item.text }] };
    case "reasoning":
      return { type: "reasoning", id, summary: [{ type: "summary_text", text: item.text }], content: [] };
    case "function_call":
      return { type: "function_call", id, call_id: item.call_id ?? `call_${randomUUID()}`, name: item.name, arguments: JSON.stringify(item.arguments) };
  }
}
