// A run's own token (AGENTCTL_AUTH_TOKEN inside the run) acts on its own session tree and nothing
// else: the "script" test provider runs bin/agentctl with the run's env, exactly like an agent.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, cleanup, type DaemonHandle } from "../support/daemon.ts";
import { TOKEN, finished, liveParent, script, send, session, startA2aDaemon, stepsOf, type Client } from "./helpers.ts";

const json = (args: string[]): { agentctl: string[] } => ({ agentctl: ["--format", "json", ...args] });

describe("agent to agent: run tokens are confined to their session tree", () => {
  let d: DaemonHandle;
  let client: Client;
  before(async () => {
    d = await startA2aDaemon();
    client = api(d.url, TOKEN);
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
  });

  it("spawns from its own run, sends to descendants, and is refused everywhere else", async () => {
    const unrelated = await liveParent(client);
    const own = await session(client, "script");
    const earlier = await send(client, own, "an earlier run of the same session");
    await finished(client, earlier);
    const childTask = script(
      json(["tool", "session-reply-parent", "--run-id", "{{0.session.parent_run_id}}", "--request-kind", "info", "--text", "x"]),
      json(["tool", "session-reply-parent", "--request-kind", "info", "--text", "child reporting"]),
    );
    const runId = await send(
      client,
      own,
      script(
        json(["tool", "session-spawn", "--provider", "script", "--task", "hold", "--idempotency-key", "spawn-1"]),
        json(["tool", "session-send", "--session-id", "{{0.session.id}}", "--text", childTask]),
        json(["session", "get", "--session-id", "{{0.session.id}}"]),
        json(["session", "get", "--session-id", unrelated.sessionId]),
        json(["events", "list", "--session-id", unrelated.sessionId]),
        json(["tool", "session-send", "--session-id", unrelated.sessionId, "--text", "hi"]),
        json(["tool", "session-spawn", "--parent-run-id", unrelated.runId, "--task", "x"]),
        json(["tool", "session-spawn", "--parent-run-id", earlier, "--task", "x"]),
        json(["tool", "session-reply-parent", "--run-id", unrelated.runId, "--request-kind", "info", "--text", "x"]),
        json(["tool", "session-send", "--session-id", own, "--text", "to myself"]),
        json(["run", "cancel", "--run-id", unrelated.runId]),
        json(["tool", "session-wait", "--run-id", "{{1.run.id}}", "--timeout-s", "60"]),
      ),
    );
    const steps = stepsOf(await finished(client, runId));
    const [spawned, sent, readChild, readOther, eventsOther, sendOther, spawnOther, spawnEarlier, replyOther, sendSelf, cancelOther, waited] = steps;
    for (const s of [spawned, sent, readChild, waited]) assert.equal(s.code, 0, s.stderr);
    const child = JSON.parse(spawned.stdout);
    assert.equal(child.session.parent_run_id, runId, "spawned from its own run (AGENTD_RUN_ID)");
    assert.equal(JSON.parse(readChild.stdout).session.id, child.session.id, "a descendant is readable");
    for (const s of [readOther, eventsOther, sendOther, spawnOther, replyOther, cancelOther]) {
      assert.equal(s.code, 4, s.stderr);
      assert.match(s.stderr, /not_found \(HTTP 404\)/);
    }
    assert.match(spawnEarlier.stderr, /forbidden \(HTTP 403\).*only for its own run/);
    assert.match(sendSelf.stderr, /forbidden \(HTTP 403\).*reply-parent/);

    // The child's token: reply-parent for another run (its parent's) is a 404; for its own run it works.
    const childSteps = JSON.parse(JSON.parse(waited.stdout).run.output) as Array<{ code: number; stderr: string; stdout: string }>;
    assert.equal(childSteps[0].code, 4);
    assert.match(childSteps[0].stderr, /not_found \(HTTP 404\)/);
    assert.equal(childSteps[1].code, 0, childSteps[1].stderr);
    assert.equal(JSON.parse(childSteps[1].stdout).escalation.parent_session_id, own);
    // Nothing happened to the unrelated tree.
    assert.equal((await client.get(`/runs/${unrelated.runId}`)).body.run.status, "running");
    assert.equal((await client.get(`/sessions/${unrelated.sessionId}/children`)).body.children.length, 0);
    await client.post(`/runs/${unrelated.runId}/cancel`, {});
  });

  it("another owner's token sees none of a tree (404)", async () => {
    const stranger = await startA2aDaemon(["--auth-token", "stranger-token-0002"]);
    try {
      // Two owner tokens on one daemon: each owns what it creates.
      const d2 = api(stranger.url, "stranger-token-0002");
      const mine = api(stranger.url, TOKEN);
      const p2 = await liveParent(mine);
      const c2 = await mine.post(`/runs/${p2.runId}/spawn`, { task: "hi", provider: "script" });
      assert.equal((await d2.get(`/sessions/${p2.sessionId}/children`)).status, 404);
      assert.equal((await d2.post(`/runs/${p2.runId}/spawn`, { task: "x" })).status, 404);
      assert.equal((await d2.post(`/sessions/${c2.body.session.id}/send`, { text: "x" })).status, 404);
      assert.equal((await d2.post(`/runs/${c2.body.run.id}/reply-parent`, { text: "x", request_kind: "info" })).status, 404);
      await mine.post(`/runs/${p2.runId}/cancel`, {});
    } finally {
      await stranger.stop();
      cleanup(stranger.dataDir);
    }
  });
});
