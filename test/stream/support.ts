// Helpers for the stream tests: a daemon with the event-burst test plugin, SDK subscribers that
// record what they receive, a raw SSE frame reader, and a TCP proxy that can cut connections.
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { subscribe, type StreamTransport, type SubscribeOptions, type Subscription } from "../../core/src/client/subscribe.ts";
import type { AgentEvent } from "../../core/src/types.ts";
import { api, startDaemon, until, type DaemonHandle, type StartOptions } from "../support/daemon.ts";

export const TOKEN_A = "token-alice-0001";
export const TOKEN_B = "token-bob-000002";
export const ADMIN = "token-admin-0003";
export const BURST_PLUGIN = "./test/fixtures/plugins/event-burst.ts";

export async function streamDaemon(opts: StartOptions = {}): Promise<DaemonHandle> {
  return startDaemon({
    ...opts,
    args: ["--plugin", BURST_PLUGIN, "--auth-token", TOKEN_A, "--auth-token", TOKEN_B, "--admin-token", ADMIN, ...(opts.args ?? [])],
  });
}

export async function newSession(url: string, token = TOKEN_A): Promise<string> {
  const res = await api(url, token).post("/sessions", { title: "stream test" });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.session.id as string;
}

export async function burst(url: string, sessionId: string, count: number, extra: Record<string, unknown> = {}, token = TOKEN_A): Promise<{ first_seq: number; last_seq: number }> {
  const res = await api(url, token).post("/test/burst", { session_id: sessionId, count, ...extra });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { first_seq: number; last_seq: number };
}

/** Every event of a session from the REST API: the truth a stream must match. */
export async function allSeqs(url: string, sessionId: string, token = TOKEN_A): Promise<number[]> {
  const seqs: number[] = [];
  let cursor = 0;
  for (;;) {
    const res = await api(url, token).get(`/sessions/${sessionId}/events?cursor=${cursor}&limit=1000`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const events = res.body.events as AgentEvent[];
    seqs.push(...events.map((e) => e.seq));
    if (events.length < 1000) return seqs;
    cursor = events[events.length - 1].seq;
  }
}

export interface Recorder {
  sub: Subscription;
  seqs: number[];
  errors: string[];
  statuses: string[];
  /** Resolves once the stream has announced its live position (ready). */
  opened(): Promise<void>;
  waitForSeq(seq: number, timeoutMs?: number): Promise<void>;
}

/** Subscribe through the SDK and record every delivered seq (duplicates and order included). */
export function record(url: string, transport: StreamTransport, extra: Partial<SubscribeOptions> = {}): Recorder {
  const seqs: number[] = [];
  const errors: string[] = [];
  const statuses: string[] = [];
  const sub = subscribe({
    baseUrl: url,
    token: TOKEN_A,
    transport,
    minBackoffMs: 50,
    maxBackoffMs: 500,
    ...extra,
    onEvent: (e) => seqs.push(e.seq),
    onError: (e) => errors.push(e.message),
    onStatus: (s) => statuses.push(s),
  });
  return {
    sub,
    seqs,
    errors,
    statuses,
    opened: () => until(() => statuses.includes("open"), 30_000, `${transport} subscription to open`).then(() => undefined),
    waitForSeq: (seq, timeoutMs = 60_000) => until(() => seqs.length > 0 && seqs[seqs.length - 1] >= seq, timeoutMs, `${transport} subscriber to reach seq ${seq} (has ${seqs.length}, last ${seqs[seqs.length - 1]})`).then(() => undefined),
  };
}

/** Exactly the expected sequence: in order, none missing, none repeated. */
export function assertExactly(actual: readonly number[], expected: readonly number[], who: string): void {
  if (actual.length === expected.length && actual.every((s, i) => s === expected[i])) return;
  const dup = actual.find((s, i) => actual.indexOf(s) !== i);
  const missing = expected.filter((s) => !actual.includes(s)).slice(0, 5);
  assert.fail(`${who}: got ${actual.length} events, expected ${expected.length}; first duplicate ${dup}; missing ${missing.join(",")}; unordered at ${actual.findIndex((s, i) => i > 0 && s <= actual[i - 1])}`);
}

export interface SseFrame {
  event: string;
  id?: string;
  data: string;
  retry?: number;
  comment?: string;
}

/** Read a text/event-stream response frame by frame (comments included), for protocol tests. */
export async function openRawSse(url: string, headers: Record<string, string> = {}) {
  const ctrl = new AbortController();
  const res = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: ctrl.signal });
  const frames: SseFrame[] = [];
  let ended = false;
  if (res.status === 200 && res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buf = "";
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buf += decoder.decode(chunk, { stream: true });
          let idx;
          while ((idx = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, idx);
            buf = buf.slice(idx + 2);
            const frame: SseFrame = { event: "message", data: "" };
            for (const line of block.split("\n")) {
              if (line.startsWith(":")) (frame.comment = line.slice(1).trim()), (frame.event = "comment");
              else if (line.startsWith("event: ")) frame.event = line.slice(7);
              else if (line.startsWith("id: ")) frame.id = line.slice(4);
              else if (line.startsWith("data: ")) frame.data += line.slice(6);
              else if (line.startsWith("retry: ")) frame.retry = Number(line.slice(7));
            }
            frames.push(frame);
          }
        }
      } catch {
        /* aborted */
      }
      ended = true;
    })();
  }
  return {
    status: res.status,
    headers: res.headers,
    body: res.status === 200 ? null : await res.json(),
    frames,
    ended: () => ended,
    events: () => frames.filter((f) => f.event === "message").map((f) => JSON.parse(f.data) as AgentEvent),
    close: () => ctrl.abort(),
  };
}

/** A TCP proxy in front of the daemon whose connections the test can cut at will. */
export async function cuttableProxy(targetPort: number, random: () => number = Math.random): Promise<{ url: string; cut(fraction?: number): number; close(): Promise<void> }> {
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    const upstream = new (client.constructor as typeof Socket)();
    upstream.connect(targetPort, "127.0.0.1");
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const done = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", done).on("close", done);
    upstream.on("error", done).on("close", done);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    cut(fraction = 1) {
      let n = 0;
      for (const pair of [...pairs]) {
        if (random() >= fraction) continue;
        // Cut either side: the client sees a reset, the daemon sees its peer vanish.
        pair[random() < 0.5 ? 0 : 1].destroy();
        n++;
      }
      return n;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const [a, b] of pairs) (a.destroy(), b.destroy());
        server.close(() => r());
      }),
  };
}

export const portOf = (url: string): number => Number(new URL(url).port);
