/**
 * One stream connection over SSE or WebSocket, in Node (eventsource / ws packages, headers) or a
 * browser (native APIs). Each connection is used once: on any end the subscription opens a new
 * one with its own cursor (and ticket), so the libraries' own reconnect logic is never used.
 */
import type { AgentEvent } from "../types.ts";

/** Why a connection failed. `fatal` errors (400, 403, 404, a bad bearer token) stop the subscription. */
export class StreamError extends Error {
  override name = "StreamError";
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string | null,
    readonly fatal: boolean,
  ) {
    super(message);
  }
}

export interface ConnectionEnd {
  reason: string;
  error?: StreamError;
  /** Reconnect without backoff (the server asked us to resume: overflow, drop, shutdown). */
  immediate?: boolean;
}

export interface ConnectionHandlers {
  onReady(cursor: number): void;
  onEvent(event: AgentEvent): void;
  onEnd(end: ConnectionEnd): void;
}

export interface Connection {
  close(): void;
}

/** The parts of the DOM / eventsource-package EventSource this file uses. */
interface EventSourceLike {
  onmessage: ((ev: { data: string }) => void) | null;
  onerror: ((ev: { code?: number; message?: string }) => void) | null;
  addEventListener(type: string, listener: (ev: { data: string }) => void): void;
  close(): void;
}
type EventSourceCtor = new (url: string, init?: Record<string, unknown>) => EventSourceLike;

/** The parts of the DOM / ws-package WebSocket this file uses. */
interface WebSocketLike {
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: { message?: string }) => void) | null;
  close(code?: number, reason?: string): void;
}

const isNode = typeof process !== "undefined" && typeof process.versions?.node === "string";
// 410: the cursor is older than retention (resuming would skip events): the app must reload state.
const FATAL_STATUS = new Set([400, 403, 404, 410]);

export function httpError(status: number, body: string, authHeader: boolean): StreamError {
  let code: string | null = null;
  let message = body.slice(0, 300) || `HTTP ${status}`;
  try {
    const parsed = JSON.parse(body) as { error?: { code?: string; message?: string } };
    code = parsed.error?.code ?? null;
    message = parsed.error?.message ?? message;
  } catch {
    /* not JSON: keep the text */
  }
  // A rejected bearer token will not start working; a rejected ticket is replaced by the next one.
  const fatal = FATAL_STATUS.has(status) || (status === 401 && authHeader);
  return new StreamError(`stream refused (${status}): ${message}`, status, code, fatal);
}

/** Server frames that end a stream on purpose carry `{cursor}`: resume at once. */
const SERVER_ENDS = ["overflow", "shutdown", "dropped"] as const;

export async function openSse(url: string, headers: Record<string, string>, h: ConnectionHandlers): Promise<Connection> {
  let refused: { status: number; body: string } | null = null;
  let es: EventSourceLike;
  if (isNode) {
    const { EventSource } = await import("eventsource");
    es = new EventSource(url, {
      fetch: async (input, init) => {
        const res = await fetch(input, { ...init, headers: { ...init.headers, ...headers } });
        if (res.status !== 200) refused = { status: res.status, body: await res.clone().text().catch(() => "") };
        return res;
      },
    }) as unknown as EventSourceLike;
  } else {
    const Native = (globalThis as unknown as { EventSource?: EventSourceCtor }).EventSource;
    if (!Native) throw new StreamError("this environment has no EventSource; use transport: \"ws\"", null, null, true);
    es = new Native(url);
  }
  let ended = false;
  const end = (e: ConnectionEnd): void => {
    if (ended) return;
    ended = true;
    es.close();
    h.onEnd(e);
  };
  es.addEventListener("ready", (ev) => h.onReady((JSON.parse(ev.data) as { cursor: number }).cursor));
  es.onmessage = (ev) => h.onEvent(JSON.parse(ev.data) as AgentEvent);
  for (const name of SERVER_ENDS) es.addEventListener(name, () => end({ reason: `server ended the stream (${name})`, immediate: name !== "shutdown" }));
  // The token that opened the stream was revoked (a run token after its run): it will not open another.
  es.addEventListener("revoked", (ev) => {
    const reason = (JSON.parse(ev.data) as { reason?: string }).reason ?? "credentials revoked";
    end({ reason: "server ended the stream (revoked)", error: new StreamError(`stream closed: ${reason}`, 401, "unauthorized", true) });
  });
  es.onerror = (ev) => {
    const r = refused as { status: number; body: string } | null;
    if (r) return end({ reason: `HTTP ${r.status}`, error: httpError(r.status, r.body, headers.authorization !== undefined) });
    const status = typeof ev.code === "number" ? ev.code : null;
    end({ reason: ev.message || "connection lost", error: status ? new StreamError(`stream refused (${status})`, status, null, FATAL_STATUS.has(status)) : undefined });
  };
  return { close: () => end({ reason: "closed" }) };
}

export async function openWs(url: string, headers: Record<string, string>, h: ConnectionHandlers): Promise<Connection> {
  let ws: WebSocketLike;
  let refused: StreamError | null = null;
  if (isNode) {
    const { default: WebSocket } = await import("ws");
    const nodeWs = new WebSocket(url, { headers });
    nodeWs.on("unexpected-response", (_req, res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => {
        refused = httpError(res.statusCode ?? 0, body, headers.authorization !== undefined);
        nodeWs.terminate(); // still CONNECTING: aborts the handshake and emits close (1006)
      });
    });
    ws = nodeWs as unknown as WebSocketLike;
  } else {
    const Native = (globalThis as unknown as { WebSocket?: new (url: string) => WebSocketLike }).WebSocket;
    if (!Native) throw new StreamError("this environment has no WebSocket; use transport: \"sse\"", null, null, true);
    ws = new Native(url);
  }
  let ended = false;
  const end = (e: ConnectionEnd): void => {
    if (ended) return;
    ended = true;
    try {
      ws.close();
    } catch {
      /* not open yet */
    }
    h.onEnd(e);
  };
  ws.onmessage = (ev) => {
    const frame = JSON.parse(String(ev.data)) as AgentEvent | { type: string; cursor: number };
    if ("seq" in frame) h.onEvent(frame);
    else if (frame.type === "ready") h.onReady(frame.cursor);
  };
  ws.onerror = () => undefined; // always followed by close
  ws.onclose = (ev) => {
    if (refused) return end({ reason: refused.message, error: refused });
    // 1001 shutdown: back off (the daemon is restarting); 4008 too slow / 4000 dropped: resume now.
    const immediate = ev.code === 4008 || ev.code === 4000;
    const error = ev.code === 4401 ? new StreamError(`stream closed: credentials no longer valid (${ev.reason})`, 401, "unauthorized", headers.authorization !== undefined) : undefined;
    end({ reason: `closed with ${ev.code}${ev.reason ? ` ${ev.reason}` : ""}`, immediate, error });
  };
  return { close: () => end({ reason: "closed" }) };
}
