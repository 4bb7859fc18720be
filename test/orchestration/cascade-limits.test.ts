// Cancel cascade three levels deep, spawn limits, and onSpawn / onEscalate policies from plugins.
// Descendants that must stay alive use the script provider's "hold" (it honours an abort that
// arrives before it starts waiting).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, cleanup, until, type DaemonHandle } from "../support/daemon.ts";
import { ESCALATION_POLICY, SPAWN_POLICY, TOKEN, HOLD, events, finished, key, liveParent, running, script, spawn, startA2aDaemon, stepsOf, type Client } from "./helpers.ts";

describe("agent to agent: cancel cascade", () => {
  let d: DaemonHandle;
  let client: Client;
  before(async () => {
    // Three workers: root, child and grandchild run; the great-grandchild stays queued.
    d = await startA2aDaemon(["--max-concurrency", "3"]);
    client = api(d.url, TOKEN);
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
  });

  it("canceling a run cancels its descendants' queued and running runs, each with a reason", async () => {
    const root = await liveParent(client);
    const child = await spawn(client, root.runId, HOLD);
    await running(client, child.runId);
    const grandchild = await spawn(client, child.runId, HOLD);
    await running(client, grandchild.runId);
    const greatGrandchild = await spawn(client, grandchild.runId, HOLD);
    // A second queued run in the grandchild's session, behind its running one.
    const queuedFollowUp = (await client.post(`/sessions/${grandchild.sessionId}/send`, { text: "sleep 1", idempotency_key: key() })).body.run.id;
    assert.equal((await client.get(`/runs/${greatGrandchild.runId}`)).body.run.status, "queued");

    const canceled = await client.post(`/runs/${root.runId}/cancel`, { reason: "operator stop" });
    assert.equal(canceled.status, 200);
    assert.equal(canceled.body.run.status, "canceled");
    const descendants = [
      [child, child.runId, `parent run ${root.runId} was canceled`],
      [grandchild, grandchild.runId, `ancestor run ${root.runId} was canceled (parent run ${child.runId})`],
      [grandchild, queuedFollowUp, `ancestor run ${root.runId} was canceled (parent run ${child.runId})`],
      [greatGrandchild, greatGrandchild.runId, `ancestor run ${root.runId} was canceled (parent run ${grandchild.runId})`],
    ] as const;
    for (const [s, runId, reason] of descendants) {
      const run = await finished(client, runId);
      assert.equal(run.status, "canceled", `${runId} canceled`);
      const ev = (await events(client, s.sessionId, "run.canceled")).find((e) => e.run_id === runId)!;
      assert.deepEqual([ev.data.reason, ev.data.cascade_from], [reason, root.runId]);
    }
    // Each parent session heard of its child's cancellation once.
    assert.equal((await events(client, root.sessionId, "child.run.canceled")).length, 1);
    assert.equal((await events(client, grandchild.sessionId, "child.run.canceled")).length, 1);
  });

  it("transition --to-status canceled cascades too; failing a run does not", async () => {
    const root = await liveParent(client);
    const child = await spawn(client, root.runId, HOLD);
    await running(client, child.runId);
    const other = await liveParent(client);
    const otherChild = await spawn(client, other.runId, HOLD);
    assert.equal((await client.post(`/runs/${other.runId}/transition`, { to_status: "failed" })).status, 200);
    assert.equal((await client.post(`/runs/${root.runId}/transition`, { to_status: "canceled" })).status, 200);
    assert.equal((await finished(client, child.runId)).status, "canceled");
    assert.notEqual((await client.get(`/runs/${otherChild.runId}`)).body.run.status, "canceled", "a failed parent leaves its children running");
    await client.post(`/runs/${otherChild.runId}/cancel`, {});
  });
});

describe("agent to agent: limits and policies", () => {
  let d: DaemonHandle;
  let client: Client;
  before(async () => {
    d = await startA2aDaemon(["--max-spawn-depth", "2", "--max-children-per-run", "2", "--plugin", SPAWN_POLICY, "--plugin", ESCALATION_POLICY]);
    client = api(d.url, TOKEN);
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
  });

  it("depth and live children limits answer clear 4xx errors", async () => {
    const root = await liveParent(client);
    const a = await spawn(client, root.runId, HOLD);
    await spawn(client, root.runId, HOLD);
    const third = await client.post(`/runs/${root.runId}/spawn`, { task: "sleep 1" });
    assert.equal(third.status, 429);
    assert.equal(third.body.error.code, "rate_limited");
    assert.deepEqual(third.body.error.details, { limit: "max_children_per_run", live: 2, max: 2 });
    assert.match(third.body.error.message, /--max-children-per-run/);
    await client.post(`/runs/${a.runId}/cancel`, {});
    assert.equal((await client.post(`/runs/${root.runId}/spawn`, HOLD)).status, 201, "a finished child frees its slot");

    const b = (await client.get(`/sessions/${root.sessionId}/children`)).body.children[1].latest_run.id;
    await running(client, b);
    const depth2 = await spawn(client, b, HOLD);
    await running(client, depth2.runId);
    const depth3 = await client.post(`/runs/${depth2.runId}/spawn`, { task: "x" });
    assert.equal(depth3.status, 409);
    assert.deepEqual(depth3.body.error.details, { limit: "max_spawn_depth", depth: 3, max: 2 });
    assert.match(depth3.body.error.message, /--max-spawn-depth/);
    await client.post(`/runs/${root.runId}/cancel`, {});
  });

  it("an onSpawn tap vetoes or rewrites a spawn", async () => {
    const root = await liveParent(client);
    const vetoed = await client.post(`/runs/${root.runId}/spawn`, { task: "a forbidden task" });
    assert.equal(vetoed.status, 403);
    assert.match(vetoed.body.error.message, /vetoed by test-spawn-policy/);
    assert.equal((await client.get(`/sessions/${root.sessionId}/children`)).body.children.length, 0, "nothing was created");
    const rewritten = await spawn(client, root.runId, { task: "rewrite: sleep 1", provider: "script" });
    const session = (await client.get(`/sessions/${rewritten.sessionId}`)).body.session;
    assert.equal(session.provider, "slow");
    const run = await finished(client, rewritten.runId);
    assert.match(run.output, /^slow:rewritten by policy: sleep 1/);
    await client.post(`/runs/${root.runId}/cancel`, {});
  });

  it("an onEscalate tap decides an escalation instead of the parent, or lets it through", async () => {
    const root = await liveParent(client);
    const reply = (text: string) => ({ agentctl: ["--format", "json", "tool", "session-reply-parent", "--request-kind", "approval_request", "--text", text] });
    const child = await spawn(client, root.runId, { provider: "script", task: script(reply("Need approval to run: ls -la"), reply("Need approval to run: rm -rf /")) });
    const [auto, manual] = stepsOf(await finished(client, child.runId)).map((s) => JSON.parse(s.stdout));
    assert.deepEqual([auto.escalation.status, auto.escalation.decision, auto.escalation.decided_by], ["resolved", "approve", "policy:test-escalation-policy"]);
    assert.equal(manual.escalation.status, "pending");
    // The policy's decision reached the child as its next run.
    const resumed = await finished(client, auto.answer.run.id);
    assert.match(resumed.output, /approved by policy:test-escalation-policy\. read-only commands are pre-approved/);
    const resolvedEvents = await events(client, root.sessionId, "escalation.resolved");
    assert.deepEqual(resolvedEvents.map((e) => e.data.escalation_id), [auto.escalation.id]);
    await until(async () => (await client.get(`/escalations/${manual.escalation.id}`)).body.escalation.status === "pending", 5_000, "still pending");
    await client.post(`/runs/${root.runId}/cancel`, {});
  });
});
