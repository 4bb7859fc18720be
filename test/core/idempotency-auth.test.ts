import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, startDaemon, until, type DaemonHandle } from "../support/daemon.ts";

const ALICE = "alice-token-123456";
const BOB = "bob-token-1234567";
const ADMIN = "admin-token-12345";

describe("idempotency keys", () => {
  let d: DaemonHandle;
  let c: ReturnType<typeof api>;
  before(async () => {
    d = await startDaemon({ args: ["--plugin", "./test/fixtures/plugins/enqueue-policy.ts"] });
    c = api(d.url);
  });
  after(() => d.stop());

  it("a retry with the same key and body returns the original response and creates nothing new", async () => {
    const s = await c.post("/sessions", {});
    const sid = s.body.session.id;
    const first = await c.post(`/sessions/${sid}/messages`, { text: "Respond with exactly: once" }, { "Idempotency-Key": "same-1" });
    const second = await c.post(`/sessions/${sid}/messages`, { text: "Respond with exactly: once" }, { "Idempotency-Key": "same-1" });
    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    assert.equal(second.headers.get("idempotent-replayed"), "true");
    assert.deepEqual(second.body, first.body);
    // The body field works the same as the header.
    const third = await c.post(`/sessions/${sid}/messages`, { text: "Respond with exactly: once", idempotency_key: "same-1" });
    assert.equal(third.body.run.id, first.body.run.id);
    await c.get(`/runs/${first.body.run.id}/wait?timeout_s=20`);
    const msgs = await c.get(`/sessions/${sid}/messages`);
    assert.equal(msgs.body.messages.filter((m: { role: string }) => m.role === "user").length, 1);
  });

  it("the same key with a different body is a 422", async () => {
    const s = await c.post("/sessions", {});
    const sid = s.body.session.id;
    await c.post(`/sessions/${sid}/messages`, { text: "a", idempotency_key: "mismatch-1" });
    const r = await c.post(`/sessions/${sid}/messages`, { text: "b", idempotency_key: "mismatch-1" });
    assert.equal(r.status, 422);
    assert.equal(r.body.error.code, "idempotency_mismatch");
  });

  it("a retry while the first is still in flight is a 409", async () => {
    const s = await c.post("/sessions", {});
    const sid = s.body.session.id;
    const text = "hold:gate:inflight-1 Respond with exactly: slow";
    const slow = c.post(`/sessions/${sid}/messages`, { text, idempotency_key: "inflight-1" });
    // The first request is held in a beforeEnqueue tap, which runs after it claimed its key.
    await until(async () => (await c.get("/test/enqueue-gates/inflight-1")).body.held, 10_000, "the first request to hold its key");
    const retry = await c.post(`/sessions/${sid}/messages`, { text, idempotency_key: "inflight-1" });
    assert.equal(retry.status, 409);
    assert.equal(retry.body.error.code, "idempotency_in_flight");
    assert.equal((await c.post("/test/enqueue-gates/inflight-1/release", {})).body.released, true);
    const first = await slow;
    assert.equal(first.status, 201);
    const replay = await c.post(`/sessions/${sid}/messages`, { text, idempotency_key: "inflight-1" });
    assert.equal(replay.body.run.id, first.body.run.id);
    assert.equal(replay.headers.get("idempotent-replayed"), "true");
  });

  it("session creation is idempotent too, and keys survive a restart", async () => {
    const a = await c.post("/sessions", { title: "idem" }, { "Idempotency-Key": "create-1" });
    const b = await c.post("/sessions", { title: "idem" }, { "Idempotency-Key": "create-1" });
    assert.equal(a.body.session.id, b.body.session.id);
    await d.stop();
    d = await startDaemon({ dataDir: d.dataDir, args: ["--plugin", "./test/fixtures/plugins/enqueue-policy.ts"] });
    c = api(d.url);
    const again = await c.post("/sessions", { title: "idem" }, { "Idempotency-Key": "create-1" });
    assert.equal(again.status, 201);
    assert.equal(again.body.session.id, a.body.session.id);
  });
});

describe("auth and ownership", () => {
  let d: DaemonHandle;
  before(async () => {
    // Tokens from the env list (AGENTD_AUTH_TOKENS) and the admin token from a flag.
    d = await startDaemon({ args: ["--admin-token", ADMIN], env: { AGENTD_AUTH_TOKENS: `${ALICE},${BOB}` } });
  });
  after(() => d.stop());

  it("every route but /health needs a valid bearer token", async () => {
    assert.equal((await api(d.url).get("/health")).status, 200);
    for (const path of ["/daemon/status", "/sessions", "/sessions/ses_x", "/runs/run_x", "/sessions/ses_x/events"]) {
      const none = await api(d.url).get(path);
      assert.equal(none.status, 401, path);
      assert.equal(none.body.error.code, "unauthorized");
      assert.match(none.body.error.message, /Authorization: Bearer/);
      const wrong = await api(d.url, "wrong-token-xyz").get(path);
      assert.equal(wrong.status, 401, path);
    }
    assert.equal((await api(d.url).post("/sessions", {})).status, 401);
    assert.equal((await api(d.url, ALICE).get("/daemon/status")).body.auth_required, true);
  });

  it("a principal sees only its own sessions; others get 404, admins see all", async () => {
    const alice = api(d.url, ALICE);
    const bob = api(d.url, BOB);
    const admin = api(d.url, ADMIN);
    const { session, run } = await alice.converse("Respond with exactly: mine");
    assert.equal(run.output, "mine");
    for (const path of [`/sessions/${session.id}`, `/sessions/${session.id}/events`, `/sessions/${session.id}/messages`, `/runs/${run.id}`, `/runs/${run.id}/diagnose`, `/runs/${run.id}/wait?timeout_s=0`]) {
      const r = await bob.get(path);
      assert.equal(r.status, 404, `bob ${path}`);
      assert.ok(!JSON.stringify(r.body).includes("mine"), "no data leaks");
      assert.equal((await admin.get(path)).status, 200, `admin ${path}`);
    }
    const bobSend = await bob.post(`/sessions/${session.id}/messages`, { text: "hijack", idempotency_key: "h1" });
    assert.equal(bobSend.status, 404);
    assert.equal((await bob.post(`/runs/${run.id}/cancel`, {})).status, 404);
    assert.equal((await bob.post("/runs", { session_id: session.id, prompt: "x" })).status, 404);
    const bobList = await bob.get("/sessions");
    assert.ok(!bobList.body.sessions.some((s: { id: string }) => s.id === session.id));
    const adminList = await admin.get("/sessions?limit=500");
    assert.ok(adminList.body.sessions.some((s: { id: string }) => s.id === session.id));
  });

  it("idempotency keys are scoped per principal", async () => {
    const alice = api(d.url, ALICE);
    const bob = api(d.url, BOB);
    const a = await alice.post("/sessions", { title: "k" }, { "Idempotency-Key": "shared-key" });
    const b = await bob.post("/sessions", { title: "k" }, { "Idempotency-Key": "shared-key" });
    assert.notEqual(a.body.session.id, b.body.session.id);
    assert.equal(b.body.session.owner !== a.body.session.owner, true);
  });
});
