// The claude-code provider without a usable claude: the daemon still boots, daemon status says why,
// "auto" moves on, and claude-code runs fail saying what to install. Needs no claude binary.
import assert from "node:assert/strict";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { api, cleanup, startDaemon, startFailure, tempDir, type DaemonHandle } from "../support/daemon.ts";

type Client = ReturnType<typeof api>;

async function converseWith(client: Client, session: Record<string, unknown>, text = "hello"): Promise<Record<string, any>> {
  const s = await client.post("/sessions", session);
  assert.equal(s.status, 201, JSON.stringify(s.body));
  const m = await client.post(`/sessions/${s.body.session.id}/messages`, { text, idempotency_key: `k-${Math.random()}` });
  assert.equal(m.status, 201, JSON.stringify(m.body));
  const w = await client.get(`/runs/${m.body.run.id}/wait?timeout_s=60`);
  assert.equal(w.body.timed_out, false);
  return w.body.run;
}

async function claudeStatus(client: Client): Promise<{ available: boolean; reason: string | null; plugin: string }> {
  const status = (await client.get("/daemon/status")).body;
  return status.providers.find((p: { name: string }) => p.name === "claude-code");
}

describe("claude binary missing or unsupported", () => {
  const daemons: DaemonHandle[] = [];
  const dir = tempDir("agentd-fake-claude-");
  after(async () => {
    for (const d of daemons) {
      await d.stop();
      cleanup(d.dataDir);
    }
    cleanup(dir);
  });
  const start = async (args: string[], env: Record<string, string> = {}): Promise<Client> => {
    const d = await startDaemon({ args: ["--codex-bin", "/nonexistent/codex", ...args], env });
    daemons.push(d);
    return api(d.url);
  };

  it("not on PATH: status says so with the install command; auto skips it; a claude-code run fails with it", async () => {
    const client = await start([], { PATH: dir });
    const status = await claudeStatus(client);
    assert.equal(status.plugin, "provider-claude-code");
    assert.equal(status.available, false);
    assert.match(status.reason!, /claude binary "claude" not found on PATH: install it with "npm install -g @anthropic-ai\/claude-code@2\.1\.328" or pass --claude-bin/);
    const auto = await converseWith(client, {}, "Respond with exactly: fell through");
    assert.equal(auto.provider, "embedded");
    assert.match(auto.routing.reason, /claude-code unavailable \(claude binary "claude" not found on PATH/);
    const run = await converseWith(client, { provider: "claude-code" });
    assert.equal(run.status, "failed");
    assert.match(run.error, /claude binary "claude" not found on PATH: install it with "npm install -g @anthropic-ai\/claude-code/);
    const d = (await client.get(`/runs/${run.id}/diagnose`)).body.diagnostics;
    assert.equal(d.provider_available, false);
    assert.match(d.likely_issue, /provider claude-code is unavailable: claude binary "claude" not found/);
    assert.equal(d.claude_invocation.bin, "claude");
  });

  it("--claude-bin pointing nowhere names the path and the fix", async () => {
    const client = await start(["--claude-bin", "/nonexistent/agentd-test/claude"]);
    assert.match((await claudeStatus(client)).reason!, /claude binary not found at \/nonexistent\/agentd-test\/claude \(--claude-bin\): install it/);
  });

  it("an unsupported version (or not Claude Code at all) is refused with what to install", async () => {
    const old = join(dir, "claude-old");
    writeFileSync(old, "#!/bin/sh\necho '1.0.3 (Claude Code)'\n");
    chmodSync(old, 0o755);
    const client = await start(["--claude-bin", old]);
    assert.match((await claudeStatus(client)).reason!, /claude 1\.0\.3 at .*claude-old is not supported \(this provider needs 2\.1\.x or a later 2\.x, tested with 2\.1\.328\): install it with/);
    const run = await converseWith(client, { provider: "claude-code" });
    assert.equal(run.status, "failed");
    assert.match(run.error, /claude 1\.0\.3 .* is not supported/);

    const notClaude = await start(["--claude-bin", "/bin/false"]);
    assert.match((await claudeStatus(notClaude)).reason!, /\/bin\/false --version failed .*is it Claude Code\? install it with/);
  });

  it("a bad flag value fails the boot naming the flag", async () => {
    const { code, stderr } = await startFailure(["--claude-permission-mode", "yolo"]);
    assert.equal(code, 1);
    assert.match(stderr, /provider-claude-code.*permissionMode/);
  });
});
