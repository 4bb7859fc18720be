import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, startDaemon, type DaemonHandle } from "../support/daemon.ts";

describe("HTTP API: the full flow and every route's errors", () => {
  let d: DaemonHandle;
  let c: ReturnType<typeof api>;
  before(async () => {
    d = await startDaemon({ args: ["--plugin", "./test/fixtures/plugins/enqueue-policy.ts"] });
    c = api(d.url);
  });
  after(() => d.stop());

  it("GET /health needs nothing and reports the version", async () => {
    const r = await c.get("/health");
    assert.equal(r.status, 200);
    assert.equal(r.body.ok, true);
    assert.match(r.body.version, /^\d+\.\d+\.\d+/);
  });

  it("creates a session, sends a message, waits, and reads the offline model's reply by cursor", async () => {
    const s = await c.post("/sessions", { title: "flow" });
    assert.equal(s.status, 201);
    assert.match(s.body.session.id, /^ses_/);
    assert.equal(s.body.session.provider, "auto");
    assert.equal(s.body.session.depth, 0);
    assert.equal(s.body.session.root_session_id, s.body.session.id);

    const m = await c.post(`/sessions/${s.body.session.id}/messages`, { text: "Respond with exactly: pong" }, { "Idempotency-Key": "flow-1" });
    assert.equal(m.status, 201);
    assert.equal(m.body.message.role, "user");
    assert.equal(m.body.run.status, "queued");

    const w = await c.get(`/runs/${m.body.run.id}/wait?timeout_s=20`);
    assert.equal(w.status, 200);
    assert.equal(w.body.timed_out, false);
    assert.equal(w.body.run.status, "completed");
    assert.equal(w.body.run.output, "pong");
    assert.equal(w.body.run.provider, "embedded");
    assert.equal(w.body.run.routing.requested, "auto");

    const page1 = await c.get(`/sessions/${s.body.session.id}/events?cursor=0&limit=3`);
    assert.equal(page1.status, 200);
    assert.equal(page1.body.events.length, 3);
    for (const e of page1.body.events) for (const k of ["seq", "session_id", "run_id", "event_type", "data", "created_at"]) assert.ok(k in e, `event has ${k}`);
    const page2 = await c.get(`/sessions/${s.body.session.id}/events?cursor=${page1.body.next_cursor}&limit=100`);
    const all = [...page1.body.events, ...page2.body.events];
    const seqs = all.map((e: { seq: number }) => e.seq);
    assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), "events ordered by seq");
    assert.equal(new Set(seqs).size, seqs.length, "no duplicate across pages");
    const types = all.map((e: { event_type: string }) => e.event_type);
    for (const t of ["session.created", "message.created", "run.queued", "run.started", "run.completed"]) assert.ok(types.includes(t), `has ${t}`);
    const reply = all.find((e: { event_type: string; data: { message?: { role: string } } }) => e.event_type === "message.created" && e.data.message?.role === "assistant");
    assert.equal(reply.data.message.text, "pong");
    const empty = await c.get(`/sessions/${s.body.session.id}/events?cursor=${page2.body.next_cursor}`);
    assert.deepEqual(empty.body.events, []);
    assert.equal(empty.body.next_cursor, page2.body.next_cursor);

    const msgs = await c.get(`/sessions/${s.body.session.id}/messages`);
    assert.deepEqual(msgs.body.messages.map((x: { role: string }) => x.role), ["user", "assistant"]);
  });

  it("the offline model echoes other requests and says what it is", async () => {
    const { run } = await c.converse("what is 2+2?");
    assert.equal(run.status, "completed");
    assert.match(run.output, /offline model/);
    assert.match(run.output, /what is 2\+2\?/);
  });

  it("POST /runs queues a run on a session; GET /runs/:id reads it", async () => {
    const s = await c.post("/sessions", {});
    const r = await c.post("/runs", { session_id: s.body.session.id, prompt: "Respond with exactly: via-runs" });
    assert.equal(r.status, 201);
    const w = await c.get(`/runs/${r.body.run.id}/wait?timeout_s=20`);
    assert.equal(w.body.run.output, "via-runs");
    const g = await c.get(`/runs/${r.body.run.id}`);
    assert.equal(g.body.run.id, r.body.run.id);
    assert.equal((await c.post("/runs", { session_id: "ses_nope", prompt: "x" })).status, 404);
  });

  it("GET /sessions paginates with next_cursor", async () => {
    for (let i = 0; i < 5; i++) await c.post("/sessions", { title: `page-${i}` });
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: { body: { sessions: { id: string }[]; next_cursor: string | null } } = await c.get(`/sessions?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      assert.ok(r.body.sessions.length <= 2);
      for (const s of r.body.sessions) {
        assert.ok(!seen.has(s.id), "no session on two pages");
        seen.add(s.id);
      }
      cursor = r.body.next_cursor;
      pages++;
    } while (cursor && pages < 50);
    assert.ok(seen.size >= 5);
    assert.ok(pages >= 3);
  });

  it("GET /sessions items carry their latest run in brief, or null", async () => {
    const none = await c.post("/sessions", { title: "no run" });
    const { session, run: first } = await c.converse("Respond with exactly: one");
    const second = await c.post(`/sessions/${session.id}/messages`, { text: "Respond with exactly: two" }, { "Idempotency-Key": "latest-2" });
    const done = await c.get(`/runs/${second.body.run.id}/wait?timeout_s=20`);
    assert.notEqual(first.id, second.body.run.id);
    const items: { id: string; latest_run: unknown }[] = [];
    for (let cursor: string | null = null, pages = 0; pages < 100; pages++) {
      const r: { body: { sessions: { id: string; latest_run: unknown }[]; next_cursor: string | null } } = await c.get(`/sessions?limit=500${cursor ? `&cursor=${cursor}` : ""}`);
      items.push(...r.body.sessions);
      cursor = r.body.next_cursor;
      if (!cursor) break;
    }
    assert.equal(items.find((s) => s.id === none.body.session.id)?.latest_run, null);
    const run = done.body.run;
    assert.deepEqual(items.find((s) => s.id === session.id)?.latest_run, { id: run.id, status: "completed", created_at: run.created_at, ended_at: run.ended_at });
  });

  it("daemon status reports health, workers, queue counts and plugins", async () => {
    const r = await c.get("/daemon/status");
    assert.equal(r.status, 200);
    assert.equal(r.body.daemon_health, "ok");
    assert.equal(r.body.alive_workers, 4);
    assert.equal(r.body.max_concurrency, 4);
    for (const k of ["queued_count", "running_count", "completed_count", "failed_count", "canceled_count"]) assert.equal(typeof r.body.queue_counts[k], "number");
    assert.ok(r.body.plugins.some((p: { name: string }) => p.name === "storage-sqljs"));
    assert.ok(r.body.providers.some((p: { name: string; available: boolean }) => p.name === "embedded" && p.available));
    assert.equal(r.body.db_path, d.db);
    assert.ok(r.body.uptime_s >= 0);
  });

  it("diagnose explains a completed run and names the offline model", async () => {
    const { run } = await c.converse("Respond with exactly: diag");
    const r = await c.get(`/runs/${run.id}/diagnose`);
    assert.equal(r.status, 200);
    const dg = r.body.diagnostics;
    for (const k of ["worker_id", "worker_alive", "alive_workers", "max_concurrency", "queue_counts", "queue_position", "active_pid", "provider", "likely_issue"]) assert.ok(k in dg, `diagnostics.${k}`);
    assert.equal(dg.provider, "embedded");
    assert.equal(dg.model_backend, "offline");
    assert.equal(dg.likely_issue, null);
  });

  it("beforeEnqueue taps can rewrite and veto runs", async () => {
    const { run } = await c.converse("shout:quiet please");
    assert.equal(run.output, "QUIET PLEASE");
    const s = await c.post("/sessions", {});
    const r = await c.post(`/sessions/${s.body.session.id}/messages`, { text: "this is forbidden", idempotency_key: "veto-1" });
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, "forbidden");
    assert.match(r.body.error.message, /refuses/);
  });

  describe("bad input is a clear 4xx", () => {
    const cases: [string, string, string, unknown, number, string, RegExp?][] = [
      ["unknown field", "POST", "/sessions", { title: "x", colour: "red" }, 400, "validation_error", /unknown field "colour"/],
      ["wrong type", "POST", "/sessions", { title: 42 }, 400, "validation_error", /title/],
      ["bad provider name", "POST", "/sessions", { provider: "Not A Provider!" }, 400, "validation_error"],
      ["unregistered provider", "POST", "/sessions", { provider: "nope" }, 400, "validation_error", /unknown provider "nope"/],
      ["malformed JSON", "POST", "/sessions", "{not json", 400, "invalid_json"],
      ["JSON array body", "POST", "/sessions", "[1,2]", 400, "validation_error"],
      ["unknown route", "GET", "/nope", undefined, 404, "not_found", /no route/],
      ["unknown session", "GET", "/sessions/ses_missing", undefined, 404, "not_found"],
      ["unknown run", "GET", "/runs/run_missing", undefined, 404, "not_found"],
      ["unknown run wait", "GET", "/runs/run_missing/wait", undefined, 404, "not_found"],
      ["unknown run diagnose", "GET", "/runs/run_missing/diagnose", undefined, 404, "not_found"],
      ["unknown run cancel", "POST", "/runs/run_missing/cancel", {}, 404, "not_found"],
      ["negative cursor", "GET", "/sessions/ses_x/events?cursor=-1", undefined, 400, "validation_error"],
      ["huge limit", "GET", "/sessions?limit=100000", undefined, 400, "validation_error"],
      ["unknown query param", "GET", "/sessions?colour=red", undefined, 400, "validation_error", /colour/],
      ["bad wait timeout", "GET", "/runs/run_x/wait?timeout_s=abc", undefined, 400, "validation_error"],
      ["missing text", "POST", "/runs", { session_id: "ses_x" }, 400, "validation_error", /prompt/],
    ];
    for (const [name, method, path, body, status, code, message] of cases) {
      it(`${name}: ${method} ${path} -> ${status} ${code}`, async () => {
        const r = await c.raw(method, path, body);
        assert.equal(r.status, status, JSON.stringify(r.body));
        assert.equal(r.body.error.code, code);
        assert.equal(typeof r.body.error.message, "string");
        if (message) assert.match(r.body.error.message, message);
      });
    }

    it("a message without an idempotency key is refused, naming the field", async () => {
      const s = await c.post("/sessions", {});
      const r = await c.post(`/sessions/${s.body.session.id}/messages`, { text: "hi" });
      assert.equal(r.status, 400);
      assert.match(r.body.error.message, /idempotency key is required/);
    });

    it("an empty text and a non-user role are refused", async () => {
      const s = await c.post("/sessions", {});
      assert.equal((await c.post(`/sessions/${s.body.session.id}/messages`, { text: "", idempotency_key: "e1" })).status, 400);
      const r = await c.post(`/sessions/${s.body.session.id}/messages`, { text: "x", role: "assistant", idempotency_key: "e2" });
      assert.equal(r.status, 400);
    });

    it("a body over the size limit is a 413", async () => {
      const r = await c.post("/sessions", { title: "x".repeat(2 * 1024 * 1024) });
      assert.equal(r.status, 413);
      assert.equal(r.body.error.code, "payload_too_large");
    });

    it("the daemon is still healthy after all of that", async () => {
      assert.equal((await c.get("/daemon/status")).body.daemon_health, "ok");
    });
  });

  describe("run transitions", () => {
    it("illegal transitions are a 409 naming the allowed ones", async () => {
      const { run } = await c.converse("Respond with exactly: done");
      const r = await c.post(`/runs/${run.id}/transition`, { to_status: "failed" });
      assert.equal(r.status, 409);
      assert.equal(r.body.error.code, "illegal_transition");
      assert.deepEqual(r.body.error.details.allowed, []);
      assert.match(r.body.error.message, /completed to failed/);
      const bad = await c.post(`/runs/${run.id}/transition`, { to_status: "paused" });
      assert.equal(bad.status, 400);
    });

    it("canceling a finished run is a 409; canceling twice a canceled run is fine", async () => {
      const { run } = await c.converse("Respond with exactly: x");
      const r = await c.post(`/runs/${run.id}/cancel`, {});
      assert.equal(r.status, 409);
    });
  });
});
