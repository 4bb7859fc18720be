// A real codex child (test/codex-bin) driven by the scripted Responses server: codex runs agentctl
// from its shell to escalate to the parent; resolving the escalation resumes the SAME codex thread.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, cleanup, startDaemon, tempDir, type DaemonHandle } from "../support/daemon.ts";
import { inputText, reply, startScriptedResponsesServer, type ScriptedResponsesServer } from "../support/scripted-responses-server.ts";
import { CODEX_TEST_ARGS, codexAvailability, INSTALL_HINT } from "../codex/codex-harness.ts";
import { SCRIPT_PLUGIN, SLOW_PLUGIN, TOKEN, events, finished, liveParent, spawn, type Client } from "./helpers.ts";

const availability = codexAvailability();
const ASK = "Need approval to run: rm -rf ./tmp-cache";

describe("agent to agent: a real codex child escalates to its parent", { skip: availability.skip, timeout: 600_000 }, () => {
  if (!availability.installed) {
    it("has the codex test binary installed (AGENTD_REQUIRE_CODEX=1)", () => assert.fail(INSTALL_HINT));
    return;
  }
  let model: ScriptedResponsesServer;
  let d: DaemonHandle;
  let client: Client;
  let codexHome: string;
  const workDir = tempDir("agentd-a2a-codex-");

  before(async () => {
    model = await startScriptedResponsesServer();
    codexHome = model.writeCodexHome();
    d = await startDaemon({ args: [...CODEX_TEST_ARGS, "--plugin", SLOW_PLUGIN, "--plugin", SCRIPT_PLUGIN, "--auth-token", TOKEN], env: model.codexEnv(codexHome) });
    client = api(d.url, TOKEN);
  });
  after(async () => {
    await d?.stop();
    await model?.close();
    cleanup(codexHome);
    cleanup(workDir);
    if (d) cleanup(d.dataDir);
  });

  it("codex runs agentctl session-reply-parent; the parent sees it; the answer resumes the same thread", async () => {
    const parent = await liveParent(client);
    model.enqueue(
      reply.shell(`agentctl --field escalation.id tool session-reply-parent --request-kind approval_request --text "${ASK}"`, { text: "asking the parent" }),
      reply.message("waiting for the parent's approval"),
    );
    const child = await spawn(client, parent.runId, { task: "clean the cache directory", provider: "codex", cwd: workDir });
    const first = await finished(client, child.runId);
    assert.equal(first.status, "completed", first.error);
    assert.equal(first.output, "waiting for the parent's approval");

    const command = (await events(client, child.sessionId, "tool.command")).find((e) => e.data.phase === "completed")!;
    assert.equal(command.data.exit_code, 0, command.data.output);
    const escalationId = String(command.data.output).trim();
    assert.match(escalationId, /^esc_/);
    const requested = (await events(client, parent.sessionId, "escalation.requested")).find((e) => e.data.escalation_id === escalationId)!;
    assert.deepEqual([requested.data.child_session_id, requested.data.child_run_id, requested.data.kind, requested.data.text], [child.sessionId, child.runId, "approval_request", ASK]);
    const thread = (await events(client, child.sessionId, "codex.thread_started"))[0].data.thread_id;

    model.enqueue(reply.message("approved: removed ./tmp-cache"));
    const resolved = await client.post(`/escalations/${escalationId}/resolve`, { decision: "approve", text: "go ahead" });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    const resumed = await finished(client, resolved.body.run.id);
    assert.equal(resumed.status, "completed", resumed.error);
    assert.equal(resumed.output, "approved: removed ./tmp-cache");
    const started = (await events(client, child.sessionId, "codex.thread_started")).find((e) => e.run_id === resumed.id)!;
    assert.deepEqual([started.data.thread_id, started.data.resumed], [thread, true], "the same codex thread");
    const history = inputText(model.requests.at(-1)!.body);
    assert.match(history, /clean the cache directory/, "the model sees the earlier turn");
    assert.match(history, /Need approval to run: rm -rf \.\/tmp-cache/);
    assert.match(history, new RegExp(`approval_request \\(escalation ${escalationId}\\): approved by .*go ahead`));
    assert.equal((await events(client, parent.sessionId, "child.run.completed")).length, 2, "both child runs announced");
    await client.post(`/runs/${parent.runId}/cancel`, {});
  });
});
