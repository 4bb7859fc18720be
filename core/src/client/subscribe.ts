/**
 * `subscribe()`: follow the event log over SSE or WebSocket, reconnecting with backoff and resuming
 * after the last event it delivered, so `onEvent` sees every event once, in seq order.
 * Node 20: `eventsource` / `ws` with an `Authorization` header. Browsers: the native EventSource /
 * WebSocket with a single-use ticket per connection (they cannot send headers). Protocol:
 * docs/api-contract.md "Stream protocol".
 */
import type { AgentEvent } from "../types.ts";
import { httpError, openSse, openWs, StreamError, type Connection, type ConnectionHandlers } from "./stream-connections.ts";

export { StreamError };

export type StreamTransport = "sse" | "ws";
export type StreamStatus = "connecting" | "open" | "reconnecting" | "closed";

export interface StreamStatusInfo {
  /** Where the next connection resumes (null: from now, not yet known). */
  cursor: number | null;
  /** Consecutive failed attempts. */
  attempt: number;
  /** For "reconnecting": the wait before the next attempt. */
  delayMs?: number;
  /** For "reconnecting": why the last connection ended. */
  reason?: string;
}

export interface SubscribeOptions {
  baseUrl: string;
  /** Bearer token. In browsers it is traded for a ticket (POST /stream/tickets) per connection. */
  token?: string;
  /** Follow one session; omit for every session the caller may see. */
  sessionId?: string;
  transport: StreamTransport;
  /** Deliver events with seq > cursor; omit for "from now", 0 for "from the beginning". */
  cursor?: number;
  onEvent(event: AgentEvent): void;
  onError?(error: StreamError): void;
  onStatus?(status: StreamStatus, info: StreamStatusInfo): void;
  /** Supply stream tickets yourself (e.g. from your app's backend); used for every connection. */
  getTicket?: () => Promise<string>;
  /** Backoff between attempts: doubles from min to max, with jitter. Defaults 250 ms and 10 s. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export interface Subscription {
  /** Stop for good. */
  close(): void;
  /** Drop the current connection and resume at once (e.g. after the app returns to the foreground). */
  reconnect(): void;
  /** The seq of the last delivered event (or the live position announced by the server). */
  readonly cursor: number | null;
  readonly status: StreamStatus;
}

const isNode = typeof process !== "undefined" && typeof process.versions?.node === "string";

export function subscribe(opts: SubscribeOptions): Subscription {
  const minBackoff = opts.minBackoffMs ?? 250;
  const maxBackoff = opts.maxBackoffMs ?? 10_000;
  let cursor: number | null = opts.cursor ?? null;
  let status: StreamStatus = "connecting";
  let attempt = 0;
  let current: Connection | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let generation = 0; // ignores callbacks of connections we already gave up on

  const closed = (): boolean => status === "closed";
  const setStatus = (s: StreamStatus, extra: Partial<StreamStatusInfo> = {}): void => {
    status = s;
    opts.onStatus?.(s, { cursor, attempt, ...extra });
  };

  const connect = async (): Promise<void> => {
    const gen = ++generation;
    let opened = false;
    setStatus(attempt === 0 ? "connecting" : "reconnecting");
    const handlers: ConnectionHandlers = {
      onReady(serverCursor) {
        if (gen !== generation) return;
        opened = true;
        if (cursor === null) cursor = serverCursor;
        attempt = 0;
        setStatus("open");
      },
      onEvent(event) {
        if (gen !== generation || (cursor !== null && event.seq <= cursor)) return;
        cursor = event.seq;
        opts.onEvent(event);
      },
      async onEnd(end) {
        if (gen !== generation) return;
        current = null;
        // A browser's EventSource / WebSocket hides why it was refused: ask once over fetch, so
        // a 410 (cursor older than retention), 403 or 404 stops instead of retrying forever.
        if (!end.error && !opened && !isNode && opts.token) end = { ...end, error: (await probeRefusal(opts, cursor)) ?? undefined };
        if (gen !== generation) return;
        if (end.error) opts.onError?.(end.error);
        if (end.error?.fatal) return stop();
        scheduleReconnect(end.reason, end.immediate === true);
      },
    };
    try {
      const { url, headers } = await streamTarget(opts, cursor);
      if (gen !== generation || closed()) return;
      current = opts.transport === "ws" ? await openWs(url, headers, handlers) : await openSse(url, headers, handlers);
      if (gen !== generation || closed()) current.close();
    } catch (err) {
      if (gen !== generation) return;
      const error = err instanceof StreamError ? err : new StreamError(`could not open the stream: ${String(err)}`, null, null, false);
      handlers.onEnd({ reason: error.message, error });
    }
  };

  const scheduleReconnect = (reason: string, immediate: boolean): void => {
    if (status === "closed") return;
    const delay = immediate ? 0 : Math.min(maxBackoff, minBackoff * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt++;
    setStatus("reconnecting", { delayMs: Math.round(delay), reason });
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, delay);
  };

  const stop = (): void => {
    if (status === "closed") return;
    generation++;
    if (timer) clearTimeout(timer);
    current?.close();
    current = null;
    setStatus("closed");
  };

  void connect();
  return {
    close: stop,
    reconnect() {
      if (status === "closed") return;
      generation++;
      current?.close();
      current = null;
      if (timer) clearTimeout(timer);
      scheduleReconnect("reconnect requested", true);
    },
    get cursor() {
      return cursor;
    },
    get status() {
      return status;
    },
  };
}

/** Why the daemon refuses this stream, if it does (null: it would open, or is unreachable). */
async function probeRefusal(opts: SubscribeOptions, cursor: number | null): Promise<StreamError | null> {
  const params = new URLSearchParams();
  if (opts.sessionId !== undefined) params.set("sessionId", opts.sessionId);
  if (cursor !== null) params.set("cursor", String(cursor));
  const abort = new AbortController();
  try {
    const res = await fetch(`${opts.baseUrl.replace(/\/+$/, "")}/stream?${params.toString()}`, { headers: { authorization: `Bearer ${opts.token}`, accept: "text/event-stream" }, signal: abort.signal });
    if (res.status === 200) return null;
    return httpError(res.status, await res.text().catch(() => ""), true);
  } catch {
    return null;
  } finally {
    abort.abort(); // a stream that would open is closed at once
  }
}

/** The URL (with cursor and, in browsers, a fresh ticket) and headers for the next connection. */
async function streamTarget(opts: SubscribeOptions, cursor: number | null): Promise<{ url: string; headers: Record<string, string> }> {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const params = new URLSearchParams();
  if (opts.sessionId !== undefined) params.set("sessionId", opts.sessionId);
  if (cursor !== null) params.set("cursor", String(cursor));
  const headers: Record<string, string> = {};
  if (opts.getTicket) params.set("ticket", await opts.getTicket());
  else if (opts.token && !isNode) params.set("ticket", await fetchTicket(base, opts.token));
  else if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const http = `${base}/stream?${params.toString()}`;
  return { url: opts.transport === "ws" ? http.replace(/^http/, "ws") : http, headers };
}

/** Trade a bearer token for one single-use stream ticket. */
export async function fetchTicket(baseUrl: string, token: string, ttlSeconds?: number): Promise<string> {
  const res = await fetch(`${baseUrl.replace(/\/+$/, "")}/stream/tickets`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(ttlSeconds === undefined ? {} : { ttl_s: ttlSeconds }),
  });
  const body = (await res.json().catch(() => ({}))) as { ticket?: string; error?: { code?: string; message?: string } };
  if (!res.ok || !body.ticket) {
    throw new StreamError(`POST /stream/tickets failed (${res.status}): ${body.error?.message ?? "no ticket in the answer"}`, res.status, body.error?.code ?? null, res.status >= 400 && res.status < 500 && res.status !== 429);
  }
  return body.ticket;
}
