import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { api, startDaemon, until, type DaemonHandle } from "../support/daemon.ts";

const SLOW = ["--plugin", "./test/fixtures/plugins/slow-provider.ts"];

async function send(c: ReturnType<typeof api>, sid: string, text: string) {
  const r = await c.post(`/sessions/${sid}/messages`, { text, idempotency_key: `${sid}-${text}-${Math.random()}` });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.run as { id: string };
}

describe("run queue", () => {
  const daemons: DaemonHandle[] = [];
  after(async () => {
    for (const d of daemons) await d.stop();
  });

  it("never runs more than --max-concurrency at once, and runs them all", async () => {
    const d = await startDaemon({ args: [...SLOW, "--max-concurrency", "2"] });
    daemons.push(d);
    const c = api(d.url);
    const runs = [];
    for (let i = 0; i < 6; i++) {
      const s = await c.post("/sessions", { provider: "slow" });
      runs.push(await send(c, s.body.session.id, "sleep 300"));
    }
    const status = await c.get("/daemon/status");
    assert.equal(status.body.max_concurrency, 2);
    const finished = await Promise.all(runs.map((r) => c.get(`/runs/${r.id}/wait?timeout_s=60`)));
    const maxima = finished.map((f) => Number(/max_running=(\d+)/.exec(f.body.run.output)?.[1]));
    for (const f of finished) assert.equal(f.body.run.status, "completed");
    assert.equal(Math.max(...maxima), 2, "two ran at once, never more");
  });

  it("keeps one running run per session, in order", async () => {
    const d = await startDaemon({ args: SLOW });
    daemons.push(d);
    const c = api(d.url);
    const s = await c.post("/sessions", { provider: "slow" });
    const sid = s.body.session.id;
    const r1 = await send(c, sid, "sleep 300 first");
    const r2 = await send(c, sid, "sleep 10 second");
    const r3 = await send(c, sid, "sleep 10 third");
    const diag = await c.get(`/runs/${r2.id}/diagnose`);
    if (diag.body.run.status === "queued") assert.match(diag.body.diagnostics.likely_issue, /same session/);
    const done = [];
    for (const r of [r1, r2, r3]) done.push((await c.get(`/runs/${r.id}/wait?timeout_s=30`)).body.run);
    for (let i = 1; i < done.length; i++) {
      assert.ok(done[i].started_at >= done[i - 1].ended_at, `run ${i + 1} started after run ${i} ended`);
    }
    assert.equal(done[2].output.startsWith("slow:sleep 10 third"), true);
  });

  it("wait says when it timed out; cancel stops a running run and a queued one", async () => {
    const d = await startDaemon({ args: SLOW });
    daemons.push(d);
    const c = api(d.url);
    const s = await c.post("/sessions", { provider: "slow" });
    const sid = s.body.session.id;
    const long = await send(c, sid, "sleep 60000");
    const queued = await send(c, sid, "sleep 1");
    const w = await c.get(`/runs/${long.id}/wait?timeout_s=0.3`);
    assert.equal(w.body.timed_out, true);
    assert.equal(w.body.run.status, "running");
    const qc = await c.post(`/runs/${queued.id}/cancel`, { reason: "not needed" });
    assert.equal(qc.status, 200);
    assert.equal(qc.body.run.status, "canceled");
    const cancel = await c.post(`/runs/${long.id}/cancel`, {});
    assert.equal(cancel.status, 200);
    assert.equal(cancel.body.run.status, "canceled");
    assert.equal(cancel.body.run.canceled_by, "local");
    const again = await c.post(`/runs/${long.id}/cancel`, {});
    assert.equal(again.status, 200, "canceling a canceled run is a no-op");
    const events = await c.get(`/sessions/${sid}/events?limit=1000`);
    const types = events.body.events.map((e: { event_type: string; run_id: string }) => `${e.run_id === long.id ? "long" : "queued"}:${e.event_type}`);
    assert.ok(types.includes("long:run.canceled"));
    assert.ok(types.includes("queued:run.canceled"));
    assert.ok(!types.includes("queued:run.started"), "a canceled queued run never starts");
  });

  it("an operator can fail a running run through transition", async () => {
    const d = await startDaemon({ args: SLOW });
    daemons.push(d);
    const c = api(d.url);
    const s = await c.post("/sessions", { provider: "slow" });
    const r = await send(c, s.body.session.id, "sleep 60000");
    await until(async () => (await c.get(`/runs/${r.id}`)).body.run.status === "running", 10_000, "run to start");
    const t = await c.post(`/runs/${r.id}/transition`, { to_status: "failed", reason: "operator gave up" });
    assert.equal(t.status, 200);
    assert.equal(t.body.run.status, "failed");
    assert.equal(t.body.run.error, "operator gave up");
    const start = await c.post(`/runs/${r.id}/transition`, { to_status: "running" });
    assert.equal(start.status, 409);
  });

  it("a provider error fails the run with its message, and diagnose says so", async () => {
    const d = await startDaemon({ args: SLOW });
    daemons.push(d);
    const c = api(d.url);
    const { run } = await c.converse("sleep 1 fail", { provider: "slow" });
    assert.equal(run.status, "failed");
    assert.match(run.error, /asked to fail/);
    const diag = await c.get(`/runs/${run.id}/diagnose`);
    assert.match(diag.body.diagnostics.likely_issue, /asked to fail/);
  });

  it("queued runs survive kill -9 and run after restart; the running one is failed with a restart error", async () => {
    const d = await startDaemon({ args: [...SLOW, "--max-concurrency", "1"] });
    const c = api(d.url);
    const a = await c.post("/sessions", { provider: "slow" });
    const b = await c.post("/sessions", { provider: "slow" });
    const running = await send(c, a.body.session.id, "sleep 60000");
    const q1 = await send(c, b.body.session.id, "sleep 10 one");
    const q2 = await send(c, a.body.session.id, "sleep 10 two");
    await until(async () => (await c.get(`/runs/${running.id}`)).body.run.status === "running", 10_000, "run to start");
    await d.kill9();

    const d2 = await startDaemon({ dataDir: d.dataDir, args: [...SLOW, "--max-concurrency", "1"] });
    daemons.push(d2);
    const c2 = api(d2.url);
    const r = (await c2.get(`/runs/${running.id}`)).body.run;
    assert.equal(r.status, "failed");
    assert.match(r.error, /daemon restarted/);
    for (const q of [q1, q2]) {
      const w = await c2.get(`/runs/${q.id}/wait?timeout_s=30`);
      assert.equal(w.body.run.status, "completed", JSON.stringify(w.body.run));
    }
    const status = await c2.get("/daemon/status");
    assert.equal(status.body.queue_counts.running_count, 0);
  });

  it("graceful shutdown lets a short run finish", async () => {
    const d = await startDaemon({ args: SLOW });
    const c = api(d.url);
    const s = await c.post("/sessions", { provider: "slow" });
    const r = await send(c, s.body.session.id, "sleep 800");
    await until(async () => (await c.get(`/runs/${r.id}`)).body.run.status === "running", 10_000, "run to start");
    const code = await d.stop();
    assert.equal(code, 0);
    const d2 = await startDaemon({ dataDir: d.dataDir, args: SLOW });
    daemons.push(d2);
    assert.equal((await api(d2.url).get(`/runs/${r.id}`)).body.run.status, "completed");
  });
});
