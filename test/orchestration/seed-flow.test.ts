// The seed flow with agentctl, as documented: spawn from a live parent run, capture the ids with
// --field, wait, send a follow-up, escalate (with and without an idempotency key) from inside the
// child run with its own token, see the escalation in the parent, answer it (resolve and plain
// session-send), see the child resume. Plus the routes' error paths.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ok, agentctl } from "../cli/cli-helpers.ts";
import { api, cleanup, type DaemonHandle } from "../support/daemon.ts";
import { TOKEN, events, finished, key, liveParent, script, session, send, startA2aDaemon, stepsOf, type Client } from "./helpers.ts";

describe("agent to agent: the seed flow with agentctl", () => {
  let d: DaemonHandle;
  let client: Client;
  const env = (): Record<string, string> => ({ AGENTCTL_AUTH_TOKEN: TOKEN });

  before(async () => {
    d = await startA2aDaemon();
    client = api(d.url, TOKEN);
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
  });

  it("spawn, wait, send, escalate, answer, resume", async () => {
    const parent = await liveParent(client);
    // Two --field reads of one spawn: the same idempotency key replays it instead of spawning twice.
    const spawnArgs = ["tool", "session-spawn", "--parent-run-id", parent.runId, "--provider", "script", "--task", "first task", "--idempotency-key", "seed-spawn-1"];
    const childSession = await ok(d.url, ["--field", "session.id", ...spawnArgs], env());
    const childRun = await ok(d.url, ["--field", "run.id", ...spawnArgs], env());
    assert.match(childSession, /^ses_/);
    assert.match(childRun, /^run_/);
    const child = (await client.get(`/sessions/${childSession}`)).body.session;
    assert.deepEqual([child.parent_session_id, child.parent_run_id, child.root_session_id, child.depth], [parent.sessionId, parent.runId, parent.sessionId, 1]);
    assert.equal((await client.get(`/sessions/${parent.sessionId}/children`)).body.children.length, 1, "one spawn, despite two calls");

    assert.equal(await ok(d.url, ["--field", "run.status", "tool", "session-wait", "--run-id", childRun, "--timeout-s", "90"], env()), "completed");
    assert.equal(await ok(d.url, ["--field", "run.output", "run", "get", "--run-id", childRun], env()), "script got: first task");

    // The parent hears about the child's end exactly once, with its final text.
    const announced = await events(client, parent.sessionId, "child.run.completed");
    assert.equal(announced.length, 1);
    assert.deepEqual(
      [announced[0].data.child_session_id, announced[0].data.child_run_id, announced[0].data.status, announced[0].data.output],
      [childSession, childRun, "completed", "script got: first task"],
    );
    assert.equal((await events(client, parent.sessionId, "child.spawned"))[0].data.child_run_id, childRun);

    // Follow-up: the child escalates from inside its run with its own token and no flags,
    // twice with one idempotency key (one escalation) and once without a key.
    const followUp = script(
      { agentctl: ["--format", "json", "tool", "session-reply-parent", "--request-kind", "question", "--text", "Which port?", "--idempotency-key", "q-1"] },
      { agentctl: ["--format", "json", "tool", "session-reply-parent", "--request-kind", "question", "--text", "Which port?", "--idempotency-key", "q-1"] },
      { agentctl: ["--format", "json", "tool", "session-reply-parent", "--request-kind", "approval_request", "--text", "Need approval to run: rm -rf ./tmp-cache"] },
    );
    const followRun = await ok(d.url, ["--field", "run.id", "tool", "session-send", "--session-id", childSession, "--text", followUp], env());
    const steps = stepsOf(await finished(client, followRun));
    for (const s of steps) assert.equal(s.code, 0, s.stderr);
    const [q1, q2, approval] = steps.map((s) => JSON.parse(s.stdout).escalation);
    assert.equal(q1.id, q2.id, "a retry with the same key returns the same escalation");
    assert.notEqual(approval.id, q1.id);
    assert.deepEqual([approval.kind, approval.status, approval.child_session_id, approval.child_run_id, approval.parent_session_id], ["approval_request", "pending", childSession, followRun, parent.sessionId]);

    const requested = await events(client, parent.sessionId, "escalation.requested");
    assert.equal(requested.length, 2, "one event per escalation, none for the replay");
    const seen = requested.find((e) => e.data.escalation_id === approval.id)!;
    assert.deepEqual([seen.data.child_session_id, seen.data.child_run_id, seen.data.kind, seen.data.text], [childSession, followRun, "approval_request", "Need approval to run: rm -rf ./tmp-cache"]);
    const note = (await client.get(`/sessions/${parent.sessionId}/messages`)).body.messages.find((m: any) => m.meta?.escalation_id === approval.id);
    assert.match(note.text, /Need approval to run: rm -rf \.\/tmp-cache/);
    assert.equal(await ok(d.url, ["--field", "escalations.1.id", "tool", "escalation-list", "--session-id", parent.sessionId, "--status", "pending"], env()), approval.id);

    // Structured answer: recorded once, delivered to the child, which resumes.
    const resolveArgs = ["--format", "json", "tool", "escalation-resolve", "--escalation-id", approval.id, "--decision", "approve", "--text", "go ahead"];
    const resolved = JSON.parse(await ok(d.url, resolveArgs, env()));
    assert.equal(resolved.escalation.status, "resolved");
    assert.deepEqual([resolved.escalation.decision, resolved.escalation.decision_text], ["approve", "go ahead"]);
    assert.ok(resolved.escalation.decided_by && !resolved.escalation.decided_by.startsWith("run:"), "decided by the operator");
    const resumed = await finished(client, resolved.run.id);
    assert.match(resumed.output, new RegExp(`script got: Decision on your approval_request \\(escalation ${approval.id}\\): approved by .*go ahead`));
    const again = JSON.parse(await ok(d.url, resolveArgs, env()));
    assert.equal(again.run.id, resolved.run.id, "the same resolution again replays it");
    const different = await agentctl(["tool", "escalation-resolve", "--escalation-id", approval.id, "--decision", "deny", "--text", "no"], { env: { AGENTCTL_URL: d.url, ...env() } });
    assert.equal(different.code, 4);
    assert.match(different.stderr, /conflict \(HTTP 409\).*already resolved with "approve"/);
    for (const sid of [parent.sessionId, childSession]) {
      assert.equal((await events(client, sid, "escalation.resolved")).filter((e) => e.data.escalation_id === approval.id).length, 1, `one escalation.resolved in ${sid}`);
    }

    // Answering with a plain session-send also works: the child resumes with the text.
    const answerRun = await ok(d.url, ["--field", "run.id", "tool", "session-send", "--session-id", childSession, "--text", "port 8080"], env());
    assert.equal((await finished(client, answerRun)).output, "script got: port 8080");
    assert.equal((await client.get(`/escalations/${q1.id}`)).body.escalation.status, "pending", "a plain send does not resolve the escalation");

    const children = JSON.parse(await ok(d.url, ["--format", "json", "tool", "session-children", "--session-id", parent.sessionId], env())).children;
    assert.deepEqual([children[0].session.id, children[0].latest_run.id, children[0].latest_run.status], [childSession, answerRun, "completed"]);
    assert.equal((await client.get(`/sessions?parent_session_id=${parent.sessionId}`)).body.sessions[0].id, childSession);
    assert.equal((await events(client, parent.sessionId)).filter((e) => e.event_type.startsWith("child.run.")).length, 4, "one announcement per child run");
    await client.post(`/runs/${parent.runId}/cancel`, {});
  });

  it("rejects bad input and impossible requests with clear 4xx errors", async () => {
    const parent = await liveParent(client);
    const bad = await client.post(`/runs/${parent.runId}/spawn`, { task: "x", colour: "red" });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /unknown field "colour"/);
    assert.equal((await client.post(`/runs/${parent.runId}/spawn`, {})).body.error.code, "validation_error");
    const unknownProvider = await client.post(`/runs/${parent.runId}/spawn`, { task: "x", provider: "nope" });
    assert.equal(unknownProvider.status, 400);
    assert.match(unknownProvider.body.error.message, /unknown provider "nope"/);
    assert.equal((await client.post("/runs/run_missing/spawn", { task: "x" })).status, 404);

    // A root run has no parent: 409. A wrong request_kind: 400 naming the allowed ones.
    const noParent = await client.post(`/runs/${parent.runId}/reply-parent`, { text: "hi", request_kind: "question" });
    assert.equal(noParent.status, 409);
    assert.match(noParent.body.error.message, /no parent session/);
    const kind = await client.post(`/runs/${parent.runId}/reply-parent`, { text: "hi", request_kind: "result" });
    assert.equal(kind.status, 400);
    assert.match(kind.body.error.message, /approval_request, permission_request, question, info/);
    assert.equal((await client.post("/runs/run_missing/reply-parent", { text: "hi", request_kind: "question" })).status, 404);

    // Resolve: unknown escalation, bad decision, an answer without text.
    assert.equal((await client.post("/escalations/esc_missing/resolve", { decision: "approve" })).status, 404);
    assert.equal((await client.get("/escalations/esc_missing")).status, 404);
    const child = await client.post(`/runs/${parent.runId}/spawn`, { task: script({ agentctl: ["--format", "json", "tool", "session-reply-parent", "--request-kind", "question", "--text", "?"] }), provider: "script" });
    const esc = JSON.parse(stepsOf(await finished(client, child.body.run.id))[0].stdout).escalation;
    const decision = await client.post(`/escalations/${esc.id}/resolve`, { decision: "maybe" });
    assert.equal(decision.status, 400);
    assert.match(decision.body.error.message, /approve, approve_for_session, deny, answer/);
    assert.equal((await client.post(`/escalations/${esc.id}/resolve`, { decision: "answer", text: " " })).status, 400);
    assert.equal((await client.get(`/sessions/${parent.sessionId}/escalations?status=bogus`)).status, 400);

    // Another owner sees none of it.
    const other = await api(d.url, "someone-else-token");
    assert.equal((await other.get(`/escalations/${esc.id}`)).status, 401);

    // A finished run cannot spawn.
    await client.post(`/runs/${parent.runId}/cancel`, {});
    const late = await client.post(`/runs/${parent.runId}/spawn`, { task: "too late" });
    assert.equal(late.status, 409);
    assert.match(late.body.error.message, /is canceled: only a queued or running run can spawn/);
    const sid = await session(client, "script");
    await finished(client, await send(client, sid, "hello"));
    assert.equal((await client.post(`/sessions/${sid}/send`, { text: "again", idempotency_key: key() })).status, 201);
  });
});
