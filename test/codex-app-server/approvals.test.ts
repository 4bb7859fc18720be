// Native approvals with the REAL codex binary on the app-server transport: codex asks to run a
// command outside its sandbox, the run waits visibly, and the answer (REST, policy, session grant)
// goes back to codex, whose same turn goes on. Skipped locally without the binary; required in CI.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { reply, inputText } from "../support/scripted-responses-server.ts";
import { codexAvailability, INSTALL_HINT } from "../codex/codex-harness.ts";
import { APPROVAL_POLICY_PLUGIN, escalatedShell, finished, newSession, runEvents, send, startAppServerDaemon, waitingFor, type AppServerEnv } from "./harness.ts";

const availability = codexAvailability();

describe("codex app-server: native approvals answered over REST", { skip: availability.skip, timeout: 600_000 }, () => {
  if (!availability.installed) {
    it("has the codex test binary installed (AGENTD_REQUIRE_CODEX=1)", () => assert.fail(INSTALL_HINT));
    return;
  }
  let env: AppServerEnv;
  before(async () => {
    env = await startAppServerDaemon(["--plugin", APPROVAL_POLICY_PLUGIN]);
  });
  after(async () => env?.close());

  it("accept: the run waits visibly, approve answers codex, the command runs and the same turn completes", async () => {
    const { client, model, workDir } = env;
    model.enqueue(escalatedShell("echo accepted > approved.txt", "Need to write approved.txt"), reply.streamedMessage(["wro", "te", " it"]));
    const sessionId = await newSession(client, { cwd: workDir });
    const runId = await send(client, sessionId, "write approved.txt");

    const waiting = await waitingFor(client, runId);
    assert.equal(waiting.kind, "approval");
    assert.equal(waiting.raised_to_session_id, sessionId, "no parent: a human answers in the run's own session");
    assert.equal(waiting.approval.kind, "command");
    assert.equal(waiting.approval.command, "echo accepted > approved.txt");
    assert.equal(waiting.approval.reason, "Need to write approved.txt");
    const d = await client.get(`/runs/${runId}/diagnose`);
    assert.equal(d.body.diagnostics.waiting.escalation_id, waiting.escalation_id);
    assert.match(d.body.diagnostics.likely_issue, new RegExp(`waiting for approval to run \`echo accepted > approved.txt\` \\(escalation ${waiting.escalation_id}`));
    const pending = await client.get("/escalations?status=pending");
    assert.deepEqual(pending.body.escalations.map((e: any) => e.id), [waiting.escalation_id]);
    assert.equal(pending.body.escalations[0].origin, "native_approval");

    const resolved = await client.post(`/escalations/${waiting.escalation_id}/resolve`, { decision: "approve", text: "fine" });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    assert.equal(resolved.body.run, null, "a native approval queues no new run: the same run goes on");
    const run = await finished(client, runId);
    assert.equal(run.status, "completed", run.error);
    assert.equal(run.output, "wrote it");
    assert.equal(run.waiting, null);
    assert.equal(readFileSync(join(workDir, "approved.txt"), "utf8").trim(), "accepted");

    const events = await runEvents(client, sessionId, runId);
    const types = events.map((e) => e.event_type);
    for (const t of ["run.waiting", "escalation.requested", "escalation.resolved", "tool.approval", "agent.message", "run.usage"]) assert.ok(types.includes(t), `${t} in ${types.join(",")}`);
    assert.ok(types.indexOf("run.waiting") < types.indexOf("escalation.resolved"));
    const approval = events.find((e) => e.event_type === "tool.approval")!;
    assert.deepEqual([approval.data.decision, approval.data.codex_decision, approval.data.escalation_id], ["approve", "accept", waiting.escalation_id]);
    const command = events.find((e) => e.event_type === "tool.command" && e.data.phase === "completed")!;
    assert.deepEqual([command.data.status, command.data.exit_code], ["completed", 0]);
    const deltas = events.filter((e) => e.event_type === "assistant.delta");
    assert.ok(deltas.length >= 1 && deltas.length < 4, `token deltas are coalesced into fewer events: ${deltas.length}`);
    assert.equal(deltas.map((e) => e.data.text).join(""), "wrote it");

    // Answered already: a different answer is a 409 that names the earlier decision.
    const again = await client.post(`/escalations/${waiting.escalation_id}/resolve`, { decision: "deny" });
    assert.equal(again.status, 409);
    assert.deepEqual([again.body.error.details.decision, again.body.error.details.decided_by, again.body.error.details.decision_text], ["approve", "local", "fine"]);
  });

  it("decline: codex is told decline, the command does not run, the same turn goes on", async () => {
    const { client, model, workDir } = env;
    model.enqueue(escalatedShell("echo nope > declined.txt", "Need to write declined.txt"), reply.message("ok, not writing it"));
    const sessionId = await newSession(client, { cwd: workDir });
    const runId = await send(client, sessionId, "write declined.txt");
    const waiting = await waitingFor(client, runId);
    const r = await client.post(`/escalations/${waiting.escalation_id}/resolve`, { decision: "deny", text: "not today" });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const run = await finished(client, runId);
    assert.equal(run.status, "completed", run.error);
    assert.equal(run.output, "ok, not writing it");
    assert.equal(existsSync(join(workDir, "declined.txt")), false);
    const events = await runEvents(client, sessionId, runId);
    assert.equal(events.find((e) => e.event_type === "tool.approval")!.data.codex_decision, "decline");
    assert.equal(events.find((e) => e.event_type === "tool.command" && e.data.phase === "completed")!.data.status, "declined");
    const bad = await client.post(`/escalations/${waiting.escalation_id}/resolve`, { decision: "answer", text: "x" });
    assert.equal(bad.status, 400, "a native approval takes approve, approve_for_session or deny");
  });

  it("a policy plugin (onEscalate) approves `git status` at once: the run never waits", async () => {
    const { client, model, workDir } = env;
    model.enqueue(escalatedShell("git status", "Need to read the repository state"), reply.message("status read"));
    const sessionId = await newSession(client, { cwd: workDir });
    const runId = await send(client, sessionId, "what is the git status?");
    const run = await finished(client, runId);
    assert.equal(run.status, "completed", run.error);
    assert.equal(run.output, "status read");
    const events = await runEvents(client, sessionId, runId);
    assert.equal(events.some((e) => e.event_type === "run.waiting"), false);
    const approval = events.find((e) => e.event_type === "tool.approval")!;
    assert.deepEqual([approval.data.decision, approval.data.decided_by], ["approve", "policy:example-approval-policy"]);
    const esc = await client.get(`/escalations/${approval.data.escalation_id}`);
    assert.deepEqual([esc.body.escalation.status, esc.body.escalation.decided_by], ["resolved", "policy:example-approval-policy"]);
  });

  it("the same policy denies `rm -rf`: codex is told decline, the turn goes on, nobody was asked", async () => {
    const { client, model, workDir } = env;
    model.enqueue(escalatedShell("rm -rf ./build", "clean the build directory"), reply.message("could not clean"));
    const sessionId = await newSession(client, { cwd: workDir });
    const runId = await send(client, sessionId, "clean the build");
    const run = await finished(client, runId);
    assert.equal(run.output, "could not clean");
    const events = await runEvents(client, sessionId, runId);
    assert.equal(events.some((e) => e.event_type === "run.waiting"), false);
    const approval = events.find((e) => e.event_type === "tool.approval")!;
    assert.deepEqual([approval.data.decision, approval.data.codex_decision, approval.data.text], ["deny", "decline", "rm -rf is never allowed"]);
  });

  it("approve_for_session: the next run of the session asking the same is answered without waiting; the thread is resumed", async () => {
    const { client, model, workDir } = env;
    model.enqueue(escalatedShell("echo one >> grant.txt", "append to grant.txt"), reply.message("first done"));
    const sessionId = await newSession(client, { cwd: workDir });
    const first = await send(client, sessionId, "append once");
    const waiting = await waitingFor(client, first);
    assert.equal((await client.post(`/escalations/${waiting.escalation_id}/resolve`, { decision: "approve_for_session", text: "always fine here" })).status, 200);
    assert.equal((await finished(client, first)).status, "completed");
    const thread = (await runEvents(client, sessionId, first)).find((e) => e.event_type === "codex.thread_started")!.data.thread_id;

    model.enqueue(escalatedShell("echo one >> grant.txt", "append to grant.txt"), reply.message("second done"));
    const before = model.requests.length;
    const second = await send(client, sessionId, "append again");
    const run = await finished(client, second);
    assert.equal(run.status, "completed", run.error);
    assert.equal(run.output, "second done");
    const events = await runEvents(client, sessionId, second);
    assert.equal(events.some((e) => e.event_type === "run.waiting"), false);
    assert.equal(events.find((e) => e.event_type === "tool.approval")!.data.escalation_id, waiting.escalation_id, "answered by the earlier grant");
    const started = events.find((e) => e.event_type === "codex.thread_started")!;
    assert.deepEqual([started.data.thread_id, started.data.resumed], [thread, true], "the next turn resumes the same codex thread");
    assert.match(inputText(model.requests[before].body), /append once/, "the resumed thread carries the earlier turn");
    assert.deepEqual(readFileSync(join(workDir, "grant.txt"), "utf8").trim().split("\n"), ["one", "one"]);
  });
});
