// GET /runs with filters and paging, agentctl run list and agentctl version, against a real daemon.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { agentctl, ok } from "../cli/cli-helpers.ts";
import { api, cleanup, startDaemon, type DaemonHandle } from "../support/daemon.ts";
import { SLOW_PLUGIN, finished, key, running } from "../orchestration/helpers.ts";

const A = "runs-list-token-a-0001";
const B = "runs-list-token-b-0002";

describe("listing runs", () => {
  let d: DaemonHandle;
  let sessionId: string;
  let runIds: string[];
  let busyRunId: string;
  before(async () => {
    d = await startDaemon({ args: ["--plugin", SLOW_PLUGIN, "--auth-token", A, "--auth-token", B] });
    const a = api(d.url, A);
    const s = await a.post("/sessions", { provider: "slow" });
    sessionId = s.body.session.id;
    runIds = [];
    for (let i = 0; i < 3; i++) {
      const m = await a.post(`/sessions/${sessionId}/messages`, { text: "sleep 1", idempotency_key: key() });
      runIds.push(m.body.run.id);
      await finished(a, m.body.run.id);
    }
    const other = await a.post("/sessions", { provider: "slow" });
    busyRunId = (await a.post(`/sessions/${other.body.session.id}/messages`, { text: "sleep 600000", idempotency_key: key() })).body.run.id;
    await running(a, busyRunId);
    const b = api(d.url, B);
    const bs = await b.post("/sessions", { provider: "slow" });
    await finished(b, (await b.post(`/sessions/${bs.body.session.id}/messages`, { text: "sleep 1", idempotency_key: key() })).body.run.id);
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
  });

  it("GET /runs filters by session and status, pages, and shows only the caller's runs", async () => {
    const a = api(d.url, A);
    const all = await a.get("/runs");
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.runs.map((r: { id: string }) => r.id), [...runIds, busyRunId]);
    assert.equal(all.body.next_cursor, null);
    const bySession = await a.get(`/runs?session_id=${sessionId}&limit=2`);
    assert.deepEqual(bySession.body.runs.map((r: { id: string }) => r.id), runIds.slice(0, 2));
    const next = await a.get(`/runs?session_id=${sessionId}&limit=2&cursor=${bySession.body.next_cursor}`);
    assert.deepEqual(next.body.runs.map((r: { id: string }) => r.id), runIds.slice(2));
    assert.equal(next.body.next_cursor, null);
    assert.deepEqual((await a.get("/runs?status=running")).body.runs.map((r: { id: string }) => r.id), [busyRunId]);
    assert.equal((await api(d.url, B).get("/runs")).body.runs.length, 1, "B sees only its own run");
    assert.equal((await api(d.url, B).get(`/runs?session_id=${sessionId}`)).status, 404);
    const bad = await a.get("/runs?status=done");
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /status/);
    assert.equal((await a.get("/runs?limit=0")).status, 400);
  });

  it("agentctl run list with --session-id, --status and paging", async () => {
    const env = { AGENTCTL_AUTH_TOKEN: A };
    const table = await ok(d.url, ["--format", "pretty", "run", "list", "--status", "running"], env);
    assert.match(table, /RUN\s+STATUS\s+SESSION/);
    assert.match(table, new RegExp(busyRunId));
    assert.doesNotMatch(table, new RegExp(runIds[0]));
    const page = JSON.parse(await ok(d.url, ["--format", "json", "run", "list", "--session-id", sessionId, "--limit", "1"], env));
    assert.deepEqual(page.runs.map((r: { id: string }) => r.id), [runIds[0]]);
    const page2 = JSON.parse(await ok(d.url, ["--format", "json", "run", "list", "--session-id", sessionId, "--limit", "1", "--cursor", page.next_cursor], env));
    assert.deepEqual(page2.runs.map((r: { id: string }) => r.id), [runIds[1]]);
    assert.equal((await agentctl(["run", "list", "--status", "done"], { env: { AGENTCTL_URL: d.url, ...env } })).code, 2);
  });

  it("agentctl version shows the client's and the daemon's version and build", async () => {
    const health = (await api(d.url).get("/health")).body;
    const v = JSON.parse(await ok(d.url, ["--format", "json", "version"], { AGENTCTL_AUTH_TOKEN: A }));
    assert.equal(v.client.name, "agentctl");
    assert.match(v.client.version, /^\d+\.\d+\.\d+/);
    assert.deepEqual(v.daemon, { url: d.url, version: health.version, build: health.build });
    const pretty = await ok(d.url, ["--format", "pretty", "version"]);
    assert.match(pretty, new RegExp(`agentd\\s+${health.version} build ${health.build}`));
    const down = await agentctl(["--format", "pretty", "version"], { env: { AGENTCTL_URL: "http://127.0.0.1:9" } });
    assert.equal(down.code, 3);
    assert.match(down.stdout, /^agentctl \d+\.\d+\.\d+/);
    assert.match(down.stdout, /agentd\s+unknown: cannot reach the agentd daemon/);
  });
});
