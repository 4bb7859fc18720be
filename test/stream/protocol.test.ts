// The stream protocol as a client without our SDK sees it: SSE frames and WebSocket frames,
// cursor semantics, Last-Event-ID, heartbeats, query validation, and the all-sessions filter.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import type { AgentEvent } from "../../core/src/types.ts";
import { until, type DaemonHandle } from "../support/daemon.ts";
import { ADMIN, TOKEN_A, TOKEN_B, allSeqs, burst, newSession, openRawSse, streamDaemon } from "./support.ts";

const auth = (t: string) => ({ authorization: `Bearer ${t}` });

/** Open a raw WebSocket and collect its frames; resolves once open (or with the HTTP refusal). */
function rawWs(url: string, headers: Record<string, string>, opts: { autoPong?: boolean } = {}) {
  const ws = new WebSocket(url.replace(/^http/, "ws"), { headers, autoPong: opts.autoPong ?? true });
  const frames: Record<string, unknown>[] = [];
  let pings = 0;
  let closed: { code: number; reason: string } | null = null;
  ws.on("message", (m) => frames.push(JSON.parse(m.toString()) as Record<string, unknown>));
  ws.on("ping", () => pings++);
  ws.on("close", (code, reason) => (closed = { code, reason: reason.toString() }));
  const ready = new Promise<{ status: number; body: Record<string, any> | null }>((resolve) => {
    ws.on("open", () => resolve({ status: 101, body: null }));
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) as Record<string, any> }));
    });
    ws.on("error", () => undefined);
  });
  return { ws, frames, ready, pings: () => pings, closed: () => closed, events: () => frames.filter((f) => "seq" in f) as unknown as AgentEvent[] };
}

describe("stream protocol", () => {
  let d: DaemonHandle;
  let sid: string;

  before(async () => {
    d = await streamDaemon({ args: ["--sse-heartbeat-ms", "200", "--ws-heartbeat-ms", "300"] });
    sid = await newSession(d.url);
    await burst(d.url, sid, 5);
  });
  after(async () => {
    await d?.stop();
  });

  test("SSE: retry, a ready frame with the cursor, id = seq, event objects as in REST, comment heartbeats", async () => {
    const s = await openRawSse(`${d.url}/stream?sessionId=${sid}&cursor=0`, auth(TOKEN_A));
    assert.equal(s.status, 200);
    assert.match(s.headers.get("content-type") ?? "", /^text\/event-stream/);
    assert.equal(s.headers.get("cache-control"), "no-cache, no-transform");
    await until(() => s.events().length === 6 && s.frames.some((f) => f.comment === "ping"), 15_000, "replay and a heartbeat");
    const ready = s.frames[0];
    assert.equal(ready.event, "ready");
    assert.equal(ready.retry, 2000);
    assert.equal(ready.id, "0");
    assert.equal(JSON.parse(ready.data).cursor, 0);
    const rest = await allSeqs(d.url, sid);
    assert.deepEqual(s.events().map((e) => e.seq), rest);
    for (const f of s.frames.filter((x) => x.event === "message")) assert.equal(f.id, String(JSON.parse(f.data).seq));
    const first = s.events()[0];
    assert.deepEqual(Object.keys(first).sort(), ["created_at", "data", "event_type", "run_id", "seq", "session_id"]);
    assert.equal(first.event_type, "session.created");
    s.close();
  });

  test("SSE: no cursor means from now; Last-Event-ID beats ?cursor=", async () => {
    const live = await openRawSse(`${d.url}/stream?sessionId=${sid}`, auth(TOKEN_A));
    await until(() => live.frames.some((f) => f.event === "ready"), 10_000, "ready");
    const { first_seq, last_seq } = await burst(d.url, sid, 3);
    await until(() => live.events().length === 3, 10_000, "3 live events");
    assert.deepEqual(live.events().map((e) => e.seq), [first_seq, first_seq + 1, last_seq]);
    live.close();

    const resumed = await openRawSse(`${d.url}/stream?sessionId=${sid}&cursor=0`, { ...auth(TOKEN_A), "last-event-id": String(last_seq - 1) });
    await until(() => resumed.events().length >= 1, 10_000, "resumed event");
    assert.deepEqual(resumed.events().map((e) => e.seq), [last_seq]);
    resumed.close();

    const bad = await openRawSse(`${d.url}/stream?sessionId=${sid}`, { ...auth(TOKEN_A), "last-event-id": "abc" });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /Last-Event-ID/);
  });

  test("WS: ready frame, then the REST event objects; no cursor = from now", async () => {
    const c = rawWs(`${d.url}/stream?sessionId=${sid}&cursor=0`, auth(TOKEN_A));
    assert.equal((await c.ready).status, 101);
    const rest = await allSeqs(d.url, sid);
    await until(() => c.events().length === rest.length, 10_000, "ws replay");
    assert.deepEqual(c.frames[0], { type: "ready", cursor: 0, last_seq: rest[rest.length - 1] });
    assert.deepEqual(c.events().map((e) => e.seq), rest);
    c.ws.close();

    const live = rawWs(`${d.url}/stream?sessionId=${sid}`, auth(TOKEN_A));
    await live.ready;
    await until(() => live.frames.length === 1, 10_000, "ready frame");
    const { first_seq } = await burst(d.url, sid, 2);
    await until(() => live.events().length === 2, 10_000, "live events");
    assert.deepEqual(live.events().map((e) => e.seq), [first_seq, first_seq + 1]);
    live.ws.close();
  });

  test("WS: the server pings, and a peer that never answers is terminated", async () => {
    const good = rawWs(`${d.url}/stream?sessionId=${sid}`, auth(TOKEN_A));
    const deaf = rawWs(`${d.url}/stream?sessionId=${sid}`, auth(TOKEN_A), { autoPong: false });
    await Promise.all([good.ready, deaf.ready]);
    await until(() => deaf.closed() !== null, 15_000, "the deaf peer to be terminated");
    assert.equal(deaf.closed()!.code, 1006, "terminated, not closed politely");
    assert.ok(good.pings() >= 2, `the live peer got ${good.pings()} pings`);
    assert.equal(good.closed(), null, "a peer that answers pings stays connected");
    good.ws.close();
  });

  test("bad queries get a 400 JSON naming the problem, before any streaming (both transports)", async () => {
    const cases: Array<[string, RegExp]> = [
      [`/stream?sessionId=${sid}&bogus=1`, /unknown field "bogus"/],
      [`/stream?sessionId=${sid}&cursor=-1`, /cursor/],
      [`/stream?sessionId=${sid}&cursor=abc`, /cursor/],
      [`/stream?sessionId=${sid}&cursor=99999999`, /ahead of this daemon's event log/],
    ];
    for (const [path, message] of cases) {
      const s = await openRawSse(d.url + path, auth(TOKEN_A));
      assert.equal(s.status, 400, path);
      assert.equal(s.body.error.code, "validation_error");
      assert.match(s.body.error.message, message, path);
      const w = rawWs(d.url + path, auth(TOKEN_A));
      const r = await w.ready;
      assert.equal(r.status, 400, `ws ${path}`);
      assert.match(r.body!.error.message, message, `ws ${path}`);
    }
    const res = await fetch(`${d.url}/stream?sessionId=${sid}`, { headers: auth(TOKEN_A) });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /Accept: text\/event-stream/);
    const wrongPath = rawWs(`${d.url}/streams`, auth(TOKEN_A));
    assert.equal((await wrongPath.ready).status, 404);
  });

  test("without sessionId: every session the caller may see, and only those", async () => {
    const mine = rawWs(`${d.url}/stream`, auth(TOKEN_A));
    const admin = await openRawSse(`${d.url}/stream`, auth(ADMIN));
    const bobs = await openRawSse(`${d.url}/stream`, auth(TOKEN_B));
    await mine.ready;
    await until(() => admin.frames.length > 0 && bobs.frames.length > 0 && mine.frames.length > 0, 10_000, "ready frames");
    const bobSession = await newSession(d.url, TOKEN_B);
    await burst(d.url, bobSession, 2, {}, TOKEN_B);
    const { last_seq } = await burst(d.url, sid, 2);
    await until(() => admin.events().some((e) => e.seq === last_seq) && mine.events().some((e) => e.seq === last_seq), 10_000, "all-sessions events");
    await until(() => bobs.events().length === 3, 10_000, "bob's events");
    assert.ok(mine.events().every((e) => e.session_id === sid), "alice sees only her sessions");
    assert.ok(bobs.events().every((e) => e.session_id === bobSession), "bob sees only his");
    assert.deepEqual(new Set(admin.events().map((e) => e.session_id)), new Set([bobSession, sid]), "the admin sees both");
    mine.ws.close();
    admin.close();
    bobs.close();
  });

  test("GET /daemon/status lists both transports with their connections", async () => {
    const s = await openRawSse(`${d.url}/stream`, auth(TOKEN_A));
    await until(() => s.frames.length > 0, 10_000, "ready");
    const res = await fetch(`${d.url}/daemon/status`, { headers: auth(ADMIN) }); // transports are admin detail
    const body = (await res.json()) as { transports: Array<{ name: string; connections: number; path: string }> };
    const sse = body.transports.find((t) => t.name === "sse");
    assert.equal(sse?.path, "/stream");
    assert.ok(sse!.connections >= 1);
    assert.ok(body.transports.some((t) => t.name === "ws"));
    s.close();
  });
});
