// Operator side of approvals, as subprocesses against a real daemon: `agentctl run wait` says a run
// waits for approval and which escalation to answer; `agentctl escalation list|resolve` answer it.
// The approval comes from a test provider using RunContext.requestApproval, i.e. any provider.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, cleanup, startDaemon, until, type DaemonHandle } from "../support/daemon.ts";
import { agentctl, ok } from "./cli-helpers.ts";

describe("agentctl escalation list|resolve and run wait for approvals", () => {
  let d: DaemonHandle;
  before(async () => {
    d = await startDaemon({ args: ["--plugin", "./test/fixtures/plugins/approval-provider.ts"] });
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
  });

  async function waitingRun(command: string): Promise<{ sessionId: string; runId: string; escalationId: string }> {
    const sessionId = await ok(d.url, ["--field", "session.id", "session", "create", "--provider", "asker"]);
    const runId = await ok(d.url, ["--field", "run.id", "message", "send", "--session-id", sessionId, "--text", command]);
    const client = api(d.url);
    const waiting = await until(async () => (await client.get(`/runs/${runId}`)).body.run.waiting, 20_000, "run waiting");
    return { sessionId, runId, escalationId: waiting.escalation_id };
  }

  it("run wait: JSON carries run.waiting and waiting_for with the command that answers; pretty names the escalation", async () => {
    const { sessionId, runId, escalationId } = await waitingRun("git push --force");
    const json = await agentctl(["--format", "json", "run", "wait", "--run-id", runId, "--timeout-s", "1"], { env: { AGENTCTL_URL: d.url } });
    assert.equal(json.code, 5, json.stderr);
    const body = JSON.parse(json.stdout);
    assert.equal(body.run.waiting.escalation_id, escalationId);
    assert.equal(body.waiting_for.escalation_id, escalationId);
    assert.equal(body.waiting_for.answer_with, `agentctl escalation resolve --escalation-id ${escalationId} --decision approve|approve_for_session|deny`);
    assert.match(json.stderr, new RegExp(`is waiting for approval to run \`git push --force\` \\(escalation ${escalationId}\\)`));

    const pretty = await agentctl(["--format", "pretty", "run", "wait", "--run-id", runId, "--timeout-s", "1"], { env: { AGENTCTL_URL: d.url } });
    assert.equal(pretty.code, 5);
    assert.match(pretty.stdout, new RegExp(`^waiting\\s+run ${runId} is waiting for approval to run \`git push --force\` \\(escalation ${escalationId}\\): answer with`, "m"));

    const listed = await ok(d.url, ["--format", "pretty", "escalation", "list"]);
    assert.match(listed, new RegExp(`^escalation\\s+${escalationId}$`, "m"));
    assert.match(listed, /^origin\s+native_approval$/m);
    assert.match(listed, new RegExp(`^answer with\\s+agentctl escalation resolve --escalation-id ${escalationId}`, "m"));
    assert.equal(await ok(d.url, ["--field", "escalations.0.id", "escalation", "list", "--status", "pending"]), escalationId);
    assert.equal(await ok(d.url, ["--field", "escalations.0.id", "escalation", "list", "--session-id", sessionId]), escalationId, "raised to the run's own session");

    assert.equal(await ok(d.url, ["--field", "escalation.status", "escalation", "resolve", "--escalation-id", escalationId, "--decision", "approve_for_session", "--text", "this once and after"]), "resolved");
    const done = JSON.parse(await ok(d.url, ["--format", "json", "run", "wait", "--run-id", runId, "--timeout-s", "20"]));
    assert.equal(done.run.status, "completed");
    assert.equal(done.run.output, "approve_for_session by local: this once and after");
    assert.equal(done.waiting_for, undefined);
    assert.equal(await ok(d.url, ["--format", "pretty", "escalation", "list"]), "no escalations");
  });

  it("resolve again with another decision: exit 4 and the earlier decision; unknown decision: usage error", async () => {
    const { runId, escalationId } = await waitingRun("make deploy");
    await ok(d.url, ["escalation", "resolve", "--escalation-id", escalationId, "--decision", "deny", "--text", "no deploys today"]);
    assert.equal(JSON.parse(await ok(d.url, ["--format", "json", "run", "wait", "--run-id", runId])).run.output, "deny by local: no deploys today");
    const again = await agentctl(["escalation", "resolve", "--escalation-id", escalationId, "--decision", "approve"], { env: { AGENTCTL_URL: d.url } });
    assert.equal(again.code, 4);
    assert.match(again.stderr, /already resolved with "deny" by local \(no deploys today\)/);
    const bad = await agentctl(["escalation", "resolve", "--escalation-id", escalationId, "--decision", "maybe"], { env: { AGENTCTL_URL: d.url } });
    assert.equal(bad.code, 2);
    const all = JSON.parse(await ok(d.url, ["--format", "json", "escalation", "list", "--status", "all"]));
    assert.ok(all.escalations.some((e: any) => e.id === escalationId && e.decision === "deny"));
  });
});
