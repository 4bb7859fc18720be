// A run token may do what docs/agent-to-agent.md lists (spawn, send below, reply-parent, wait,
// escalations, reads of its own tree, streams of it) and nothing else: it cannot start root
// sessions or queue runs for itself, and /daemon/status gives it (and every non-admin) a reduced view.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { agentctl } from "../cli/cli-helpers.ts";
import { api, cleanup, type DaemonHandle } from "../support/daemon.ts";
import { ADMIN, OTHER, OWNER, heldRun, startTokenDaemon } from "./run-token-helpers.ts";

const ADMIN_ONLY = ["pid", "db_path", "storage", "plugins", "transports", "streams", "event_subscribers"];

describe("run tokens: only what agent-to-agent lists", () => {
  let d: DaemonHandle;
  before(async () => {
    d = await startTokenDaemon();
  });
  after(async () => {
    await d?.stop();
    if (d) cleanup(d.dataDir);
  });

  test("acting as the user is refused with 403; agent-to-agent and reads of the tree still work", async () => {
    const owner = api(d.url, OWNER);
    await api(d.url, OTHER).converse("child 10", { provider: "child" }); // another user's run: never in the owner's counts
    const run = await heldRun(d.url, "routes");
    const agent = api(d.url, run.token);
    const unrelated = (await owner.post("/sessions", { title: "unrelated", provider: "child" })).body.session.id as string;
    const sessionsBefore = (await api(d.url, ADMIN).get("/sessions?limit=500")).body.sessions.length as number;

    const refused: Array<[string, Promise<{ status: number; body: Record<string, any> }>]> = [
      ["POST /sessions", agent.post("/sessions", { title: "escape", provider: "child" })],
      ["POST /sessions/:own/messages", agent.post(`/sessions/${run.sessionId}/messages`, { text: "child 1", idempotency_key: "self-1" })],
      ["POST /runs", agent.post("/runs", { session_id: run.sessionId, prompt: "child 1" })],
      ["POST /runs/:own/cancel", agent.post(`/runs/${run.runId}/cancel`, {})],
      ["POST /runs/:own/transition", agent.post(`/runs/${run.runId}/transition`, { to_status: "failed" })],
    ];
    for (const [what, pending] of refused) {
      const res = await pending;
      assert.equal(res.status, 403, `${what}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, "forbidden");
      assert.match(res.body.error.message, /^run tokens may only spawn from their own run, send to sessions below their own, reply to their parent/, what);
    }
    // Outside its tree the ownership rule still answers first: 404, nothing revealed.
    assert.equal((await agent.post(`/sessions/${unrelated}/messages`, { text: "x", idempotency_key: "other-1" })).status, 404);
    assert.equal((await agent.post("/runs", { session_id: unrelated, prompt: "x" })).status, 404);
    assert.equal((await api(d.url, ADMIN).get("/sessions?limit=500")).body.sessions.length, sessionsBefore, "no session was created");
    assert.equal((await owner.get(`/runs/${run.runId}`)).body.run.status, "running", "the refused cancel did nothing");

    // What the doc lists keeps working with the same token.
    const spawned = await agent.post(`/runs/${run.runId}/spawn`, { task: "child 50", provider: "child" });
    assert.equal(spawned.status, 201, JSON.stringify(spawned.body));
    const child = spawned.body.session.id as string;
    assert.equal((await agent.get(`/runs/${spawned.body.run.id}/wait?timeout_s=30`)).body.run.status, "completed");
    const sent = await agent.post(`/sessions/${child}/send`, { text: "child 50" });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    assert.equal((await agent.get(`/runs/${sent.body.run.id}/wait?timeout_s=30`)).body.run.status, "completed");
    for (const path of [`/sessions/${run.sessionId}`, `/sessions/${child}/messages`, `/sessions/${run.sessionId}/events?cursor=0`, `/sessions/${run.sessionId}/children`, `/sessions/${run.sessionId}/escalations`, `/runs/${run.runId}`, "/sessions"]) {
      assert.equal((await agent.get(path)).status, 200, path);
    }
    assert.equal((await agent.post("/stream/tickets", {})).status, 201);

    // Status: the run token and the users get a reduced view with their own counts; the admin all of it.
    const forRun = (await agent.get("/daemon/status")).body;
    assert.equal(forRun.detail, "reduced");
    for (const key of ADMIN_ONLY) assert.ok(!(key in forRun), `a run token must not see ${key}`);
    assert.equal(forRun.daemon_health, "ok");
    assert.equal(forRun.queue_counts.running_count, 1, "its tree: the run itself");
    assert.equal(forRun.queue_counts.completed_count, 2, "its tree: the child's two runs");
    assert.deepEqual((await agent.get(`/runs/${run.runId}/diagnose`)).body.diagnostics.queue_counts, forRun.queue_counts, "diagnose counts its tree too");
    const forOther = (await api(d.url, OTHER).get("/daemon/status")).body;
    assert.equal(forOther.detail, "reduced");
    for (const key of ADMIN_ONLY) assert.ok(!(key in forOther), `another user must not see ${key}`);
    assert.deepEqual(forOther.queue_counts, { queued_count: 0, running_count: 0, completed_count: 1, failed_count: 0, canceled_count: 0 }, "only its own run, none of the owner's");
    assert.match(forOther.detail_note, /admin token/);
    const forAdmin = (await api(d.url, ADMIN).get("/daemon/status")).body;
    assert.equal(forAdmin.detail, "full");
    for (const key of ADMIN_ONLY) assert.ok(key in forAdmin, `the admin sees ${key}`);
    assert.equal(forAdmin.db_path, d.db);

    // agentctl daemon status keeps working for a user token: the preflight fields and a pretty view.
    const env = { AGENTCTL_URL: d.url, AGENTCTL_AUTH_TOKEN: OWNER };
    const pretty = await agentctl(["--format", "pretty", "daemon", "status"], { env });
    assert.equal(pretty.code, 0, pretty.stderr);
    assert.match(pretty.stdout, /^health\s+ok$/m);
    assert.match(pretty.stdout, /^your runs\s+\d+ queued, 1 running/m);
    assert.match(pretty.stdout, /^detail\s+pid, paths/m);
    assert.doesNotMatch(pretty.stdout, /^pid/m);
    for (const [field, expected] of [["daemon_health", /^ok$/], ["alive_workers", /^[1-9]\d*$/], ["queue_counts.queued_count", /^\d+$/]] as const) {
      const r = await agentctl(["--field", field, "daemon", "status"], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout.trim(), expected, field);
    }
    await owner.post(`/runs/${run.runId}/cancel`, {});
  });
});
