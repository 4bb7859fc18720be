/**
 * The client side of codex app-server's JSON-RPC: one JSON object per line over stdio, without the
 * `jsonrpc` field. We send requests and notifications; codex sends responses, notifications and
 * its own requests (approvals), which we must answer or it waits forever.
 */
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";

export type Json = Record<string, unknown>;

export interface ServerRequest {
  id: number | string;
  method: string;
  params: Json;
}

export class RpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number | null,
    message: string,
  ) {
    super(`codex app-server refused ${method}: ${message}${code === null ? "" : ` (code ${code})`}`);
  }
}

export class AppServerRpc {
  private nextId = 1;
  private readonly pending = new Map<number, { method: string; resolve: (v: Json) => void; reject: (e: Error) => void }>();
  private closedWith: Error | null = null;
  /** Lines that were not JSON (codex logs go to stderr; this should stay empty). */
  readonly strayLines: string[] = [];

  constructor(
    private readonly input: Writable,
    output: Readable,
    private readonly handlers: {
      notification(method: string, params: Json): void;
      request(req: ServerRequest): void;
    },
  ) {
    const lines = createInterface({ input: output, crlfDelay: Infinity });
    lines.on("line", (line) => this.onLine(line));
    lines.on("close", () => this.close(new Error("codex app-server closed its output (it exited)")));
  }

  request(method: string, params: Json): Promise<Json> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    return new Promise<Json>((resolve, reject) => {
      this.pending.set(id, { method, resolve, reject });
      this.write({ id, method, params });
    });
  }

  notify(method: string, params?: Json): void {
    this.write(params ? { method, params } : { method });
  }

  respond(id: number | string, result: Json): void {
    this.write({ id, result });
  }

  respondError(id: number | string, code: number, message: string): void {
    this.write({ id, error: { code, message } });
  }

  /** Fail every request still waiting (the process is gone). */
  close(reason: Error): void {
    if (this.closedWith) return;
    this.closedWith = reason;
    for (const p of this.pending.values()) p.reject(reason);
    this.pending.clear();
  }

  private write(message: Json): void {
    if (this.closedWith || this.input.destroyed) return;
    this.input.write(`${JSON.stringify(message)}\n`);
  }

  private onLine(line: string): void {
    const trimmed = line.trim();
    if (!trimmed) return;
    let msg: Json;
    try {
      msg = JSON.parse(trimmed) as Json;
    } catch {
      if (this.strayLines.length < 20) this.strayLines.push(trimmed.slice(0, 500));
      return;
    }
    const params = (msg.params ?? {}) as Json;
    if (typeof msg.method === "string") {
      if (msg.id !== undefined && msg.id !== null) this.handlers.request({ id: msg.id as number | string, method: msg.method, params });
      else this.handlers.notification(msg.method, params);
      return;
    }
    const waiting = typeof msg.id === "number" ? this.pending.get(msg.id) : undefined;
    if (!waiting) return;
    this.pending.delete(msg.id as number);
    if (msg.error) {
      const e = msg.error as Json;
      waiting.reject(new RpcError(waiting.method, typeof e.code === "number" ? e.code : null, typeof e.message === "string" ? e.message : JSON.stringify(e)));
    } else waiting.resolve((msg.result ?? {}) as Json);
  }
}
