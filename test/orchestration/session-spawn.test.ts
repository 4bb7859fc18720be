// POST /sessions/:id/spawn: a client or operator starts a child of a session from outside any run.
// Real daemon over HTTP and agentctl as a subprocess: parent run recording, announce-back to the
// parent session, onSpawn hook, limits, ownership, idempotency and the CLI's flag rules.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { agentctl } from "../cli/cli-helpers.ts";
import { api, cleanup, until, type DaemonHandle } from "../support/daemon.ts";
import { events, finished, key, liveParent, running, script, send, session, SPAWN_POLICY, startA2aDaemon, stepsOf, TOKEN, type Client } from "./helpers.ts";

const STRANGER = "stranger-token-0002";

describe("POST /sessions/:id/spawn", () => {
  let d: DaemonHandle;
  let client: Client;
  before(async () => {
    d = await startA2aDaemon(["--plugin", SPAWN_POLICY, "--auth-token", STRANGER, "--max-children-per-run", "2", "--max-spawn-depth", "1"]);
    client = api(d.url, TOKEN);
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
  });

  const spawnFrom = (sessionId: string, body: Record<string, unknown>, c = client) => c.post(`/sessions/${sessionId}/spawn`, body);

  it("from an idle session: a child with no parent run, whose end is announced to the parent session", async () => {
    const parent = await session(client, "slow");
    const r = await spawnFrom(parent, { task: "sleep 10 then report", idempotency_key: key() });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const child = r.body.session;
    assert.equal(child.parent_session_id, parent);
    assert.equal(child.parent_run_id, null);
    assert.equal(child.depth, 1);
    assert.equal(child.provider, "slow", "the child inherits the parent session's provider");
    assert.equal(r.body.run.status, "queued");
    const run = await finished(client, r.body.run.id);
    assert.equal(run.status, "completed", run.error);

    const spawned = await events(client, parent, "child.spawned");
    assert.equal(spawned.length, 1);
    assert.equal(spawned[0].run_id, null);
    assert.deepEqual({ child: spawned[0].data.child_session_id, parentRun: spawned[0].data.parent_run_id }, { child: child.id, parentRun: null });
    const announced = await until(async () => (await events(client, parent, "child.run.completed"))[0], 10_000, "the announce-back in the parent session");
    assert.equal(announced.data.child_run_id, run.id);
    assert.equal(announced.data.parent_run_id, null);
    assert.equal(announced.data.output, run.output);
    assert.deepEqual((await client.get(`/sessions/${parent}/children`)).body.children.map((c: { session: { id: string } }) => c.session.id), [child.id]);
  });

  it("from a session with a running run: that run is recorded as the parent run (and its cancel cascades)", async () => {
    const parent = await liveParent(client);
    const r = await spawnFrom(parent.sessionId, { task: "sleep 600000" });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(r.body.session.parent_run_id, parent.runId);
    await running(client, r.body.run.id);
    const spawned = (await events(client, parent.sessionId, "child.spawned"))[0];
    assert.equal(spawned.run_id, parent.runId);
    await client.post(`/runs/${parent.runId}/cancel`, { reason: "done" });
    const child = await finished(client, r.body.run.id);
    assert.equal(child.status, "canceled");
    const announced = await until(async () => (await events(client, parent.sessionId, "child.run.canceled"))[0], 10_000, "the child's cancel announced");
    assert.equal(announced.data.parent_run_id, parent.runId);
  });

  it("the onSpawn hook applies: a veto is a 403, a rewrite changes the child", async () => {
    const parent = await session(client, "slow");
    const vetoed = await spawnFrom(parent, { task: "something forbidden" });
    assert.equal(vetoed.status, 403);
    assert.match(vetoed.body.error.message, /vetoed by test-spawn-policy/);
    const rewritten = await spawnFrom(parent, { task: "rewrite: tidy up", provider: "script" });
    assert.equal(rewritten.status, 201, JSON.stringify(rewritten.body));
    assert.equal(rewritten.body.session.provider, "slow");
    const first = (await client.get(`/sessions/${rewritten.body.session.id}/messages`)).body.messages[0];
    assert.equal(first.text, "rewritten by policy: tidy up");
    await finished(client, rewritten.body.run.id);
  });

  it("limits: live children of spawns from outside any run, and depth", async () => {
    const parent = await session(client, "slow");
    const kids = [];
    for (let i = 0; i < 2; i++) {
      const r = await spawnFrom(parent, { task: "sleep 600000" });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      kids.push(r.body);
    }
    const third = await spawnFrom(parent, { task: "sleep 1" });
    assert.equal(third.status, 429, JSON.stringify(third.body));
    assert.equal(third.body.error.code, "rate_limited");
    assert.match(third.body.error.message, new RegExp(`session ${parent} \\(spawns from outside any run\\) already has 2 live child sessions \\(limit 2`));
    assert.deepEqual(third.body.error.details, { limit: "max_children_per_run", live: 2, max: 2 });

    const deeper = await spawnFrom(kids[0].session.id, { task: "sleep 1" });
    assert.equal(deeper.status, 409, JSON.stringify(deeper.body));
    assert.match(deeper.body.error.message, /depth 2, deeper than the limit of 1/);
    for (const k of kids) await client.post(`/runs/${k.run.id}/cancel`, {});
  });

  it("bad input and other principals: 404 for an unknown or someone else's session, 400 for a bad body", async () => {
    const parent = await session(client, "slow");
    const stranger = api(d.url, STRANGER);
    const theirs = await spawnFrom(parent, { task: "sleep 1" }, stranger);
    assert.equal(theirs.status, 404, JSON.stringify(theirs.body));
    assert.equal(theirs.body.error.code, "not_found");
    assert.equal((await spawnFrom("ses_doesnotexist", { task: "x" })).status, 404);
    const noTask = await spawnFrom(parent, {});
    assert.equal(noTask.status, 400);
    assert.match(noTask.body.error.message, /task/);
    const extra = await spawnFrom(parent, { task: "x", parent_run_id: "run_x" });
    assert.equal(extra.status, 400);
    assert.match(JSON.stringify(extra.body.error), /parent_run_id/);
    const provider = await spawnFrom(parent, { task: "x", provider: "nosuch" });
    assert.equal(provider.status, 400);
    assert.match(provider.body.error.message, /unknown provider "nosuch"/);
    assert.equal((await client.get(`/sessions/${parent}/children`)).body.children.length, 0, "nothing was created");
  });

  it("a run token spawns from its own session only (its run is the parent); elsewhere 403 or 404", async () => {
    const unrelated = await session(client, "slow");
    const own = await session(client, "script");
    const json = (args: string[]) => ({ agentctl: ["--format", "json", ...args] });
    const runId = await send(
      client,
      own,
      script(
        json(["tool", "session-spawn", "--parent-session-id", own, "--provider", "slow", "--task", "sleep 1"]),
        json(["tool", "session-spawn", "--parent-session-id", "{{0.session.id}}", "--task", "sleep 1"]),
        json(["tool", "session-spawn", "--parent-session-id", unrelated, "--task", "sleep 1"]),
      ),
    );
    const [fromOwn, fromChild, fromUnrelated] = stepsOf(await finished(client, runId));
    assert.equal(fromOwn.code, 0, fromOwn.stderr);
    assert.equal(JSON.parse(fromOwn.stdout).session.parent_run_id, runId, "the running run (the caller) is the parent run");
    assert.equal(fromChild.code, 4);
    assert.match(fromChild.stderr, /forbidden \(HTTP 403\): a run token may spawn only from its own session/);
    assert.equal(fromUnrelated.code, 4);
    assert.match(fromUnrelated.stderr, /not_found \(HTTP 404\)/);
  });

  it("an idempotency key replays the same child", async () => {
    const parent = await session(client, "slow");
    const k = key();
    const a = await spawnFrom(parent, { task: "sleep 1", idempotency_key: k });
    const b = await spawnFrom(parent, { task: "sleep 1", idempotency_key: k });
    assert.equal(a.status, 201);
    assert.equal(b.body.session.id, a.body.session.id);
    assert.equal((await client.get(`/sessions/${parent}/children`)).body.children.length, 1);
    await finished(client, a.body.run.id);
  });

  it("agentctl tool session-spawn --parent-session-id; exactly one of the two parent flags", async () => {
    const parent = await session(client, "slow");
    const env = { AGENTCTL_URL: d.url, AGENTCTL_AUTH_TOKEN: TOKEN };
    const ok = await agentctl(["--format", "json", "tool", "session-spawn", "--parent-session-id", parent, "--task", "sleep 5", "--idempotency-key", key()], { env });
    assert.equal(ok.code, 0, ok.stderr);
    const body = JSON.parse(ok.stdout);
    assert.equal(body.session.parent_session_id, parent);
    assert.equal(body.session.parent_run_id, null);
    await finished(client, body.run.id);

    // Inside a run AGENTD_RUN_ID is set: --parent-session-id still wins over that default.
    const inRun = await agentctl(["--field", "session.parent_session_id", "tool", "session-spawn", "--parent-session-id", parent, "--task", "sleep 1"], { env: { ...env, AGENTD_RUN_ID: "run_not_used" } });
    assert.equal(inRun.code, 0, inRun.stderr);
    assert.equal(inRun.stdout.trim(), parent);

    const both = await agentctl(["tool", "session-spawn", "--parent-session-id", parent, "--parent-run-id", "run_x", "--task", "x"], { env });
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--parent-run-id=run_x cannot also be provided when using --parent-session-id|cannot also be provided/);
    const neither = await agentctl(["tool", "session-spawn", "--task", "x"], { env });
    assert.equal(neither.code, 2);
    assert.match(neither.stderr, /give exactly one of --parent-run-id or --parent-session-id/);
    const stranger = await agentctl(["tool", "session-spawn", "--parent-session-id", parent, "--task", "x"], { env: { ...env, AGENTCTL_AUTH_TOKEN: STRANGER } });
    assert.equal(stranger.code, 4);
    assert.match(stranger.stderr, /not_found \(HTTP 404\)/);
  });
});
