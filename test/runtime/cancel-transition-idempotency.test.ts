import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { agentctl } from "../cli/cli-helpers.ts";
import { api, cleanup, startDaemon, until, type DaemonHandle } from "../support/daemon.ts";

const SLOW = ["--plugin", "./test/fixtures/plugins/slow-provider.ts"];

describe("idempotency keys on cancel and transition; cancel answers the real outcome", () => {
  let d: DaemonHandle;
  let c: ReturnType<typeof api>;
  let sent = 0;
  before(async () => {
    d = await startDaemon({ args: SLOW });
    c = api(d.url);
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
  });

  async function startRun(prompt: string): Promise<{ sessionId: string; runId: string }> {
    const s = await c.post("/sessions", { provider: "slow" });
    const m = await c.post(`/sessions/${s.body.session.id}/messages`, { text: prompt, idempotency_key: `send-${++sent}` });
    assert.equal(m.status, 201, JSON.stringify(m.body));
    return { sessionId: s.body.session.id, runId: m.body.run.id };
  }
  const running = (runId: string) => until(async () => (await c.get(`/runs/${runId}`)).body.run.status === "running", 10_000, `run ${runId} to start`);

  it("a retried transition replays the first answer, also after a crash; another body with the key is 422", async () => {
    const { runId } = await startRun("sleep 60000");
    await running(runId);
    const body = { to_status: "failed", reason: "stuck" };
    const first = await c.post(`/runs/${runId}/transition`, body, { "Idempotency-Key": "transition-1" });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.run.status, "failed");
    assert.equal(first.headers.get("idempotent-replayed"), null);

    const retry = await c.post(`/runs/${runId}/transition`, body, { "Idempotency-Key": "transition-1" });
    assert.equal(retry.status, 200, `a retry replays instead of answering 409: ${JSON.stringify(retry.body)}`);
    assert.equal(retry.headers.get("idempotent-replayed"), "true");
    assert.deepEqual(retry.body, first.body);

    const other = await c.post(`/runs/${runId}/transition`, { to_status: "canceled" }, { "Idempotency-Key": "transition-1" });
    assert.equal(other.status, 422, JSON.stringify(other.body));
    assert.equal(other.body.error.code, "idempotency_mismatch");
    const noKey = await c.post(`/runs/${runId}/transition`, body);
    assert.equal(noKey.status, 409, "without a key the second transition is refused by the state machine");

    // The key was stored with the run's end: it survives a crash.
    await d.kill9();
    d = await startDaemon({ dataDir: d.dataDir, args: SLOW });
    c = api(d.url);
    const afterCrash = await c.post(`/runs/${runId}/transition`, body, { "Idempotency-Key": "transition-1" });
    assert.equal(afterCrash.status, 200, JSON.stringify(afterCrash.body));
    assert.equal(afterCrash.headers.get("idempotent-replayed"), "true");
    assert.deepEqual(afterCrash.body, first.body);
  });

  it("cancel of a running and of a queued run: a retry replays (header set), another body is 422", async () => {
    const { sessionId, runId } = await startRun("sleep 60000");
    await running(runId);
    const queued = await c.post(`/sessions/${sessionId}/messages`, { text: "sleep 60000", idempotency_key: `send-${++sent}` });
    assert.equal(queued.body.run.status, "queued");

    for (const [id, key] of [[queued.body.run.id, "cancel-queued"], [runId, "cancel-running"]]) {
      const first = await c.post(`/runs/${id}/cancel`, { reason: "wrong prompt" }, { "Idempotency-Key": key });
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.equal(first.body.run.status, "canceled");
      assert.equal(first.body.stopping, undefined);
      const retry = await c.post(`/runs/${id}/cancel`, { reason: "wrong prompt" }, { "Idempotency-Key": key });
      assert.equal(retry.status, 200);
      assert.equal(retry.headers.get("idempotent-replayed"), "true", `cancel of ${key} stored its key`);
      assert.deepEqual(retry.body, first.body);
      const other = await c.post(`/runs/${id}/cancel`, { reason: "another reason" }, { "Idempotency-Key": key });
      assert.equal(other.status, 422);
      assert.equal(other.body.error.code, "idempotency_mismatch");
    }
  });

  it("a provider that does not stop within the grace: 202 stopping (never 200 running), then the run ends canceled", async () => {
    const { runId } = await startRun("sleep 7000 stubborn");
    await running(runId);
    const started = Date.now();
    const first = await c.post(`/runs/${runId}/cancel`, {}, { "Idempotency-Key": "cancel-stubborn" });
    console.log(`# cancel of a stubborn provider answered ${first.status} after ${Date.now() - started} ms`);
    assert.equal(first.status, 202, JSON.stringify(first.body));
    assert.equal(first.body.stopping, true);
    assert.equal(first.body.run.status, "running");

    const done = await c.get(`/runs/${runId}/wait?timeout_s=20`);
    assert.equal(done.body.run.status, "canceled", "the run ends as the cancel asked once the provider returns");
    assert.ok(done.body.run.canceled_by);

    const retry = await c.post(`/runs/${runId}/cancel`, {}, { "Idempotency-Key": "cancel-stubborn" });
    assert.equal(retry.status, 202, "a retry replays the first answer");
    assert.equal(retry.headers.get("idempotent-replayed"), "true");
    assert.deepEqual(retry.body, first.body);
    const fresh = await c.post(`/runs/${runId}/cancel`, {}, { "Idempotency-Key": "cancel-stubborn-2" });
    assert.equal(fresh.status, 200, "a new cancel of the canceled run returns it");
    assert.equal(fresh.body.run.status, "canceled");
  });

  it("agentctl run cancel says when the provider is still stopping, and exits 0", async () => {
    const { runId } = await startRun("sleep 7000 stubborn");
    await running(runId);
    const r = await agentctl(["--format", "pretty", "run", "cancel", "--run-id", runId, "--idempotency-key", "cli-cancel-stubborn"], { env: { AGENTCTL_URL: d.url } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /running/);
    assert.match(r.stdout, new RegExp(`stop requested: the provider has not stopped yet; the run ends once it does \\(agentctl run wait --run-id ${runId}\\)`));
    const again = await agentctl(["--format", "json", "run", "cancel", "--run-id", runId, "--idempotency-key", "cli-cancel-stubborn"], { env: { AGENTCTL_URL: d.url } });
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).stopping, true, "the retry replays the 202");
    const waited = await agentctl(["--field", "run.status", "run", "wait", "--run-id", runId, "--timeout-s", "20"], { env: { AGENTCTL_URL: d.url } });
    assert.equal(waited.stdout.trim(), "canceled");
  });
});
