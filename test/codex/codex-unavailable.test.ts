// The codex provider without a working codex: the daemon still boots, "auto" falls back to the
// embedded runtime saying why, and codex runs fail with actionable messages. Needs no codex binary.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
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

describe("codex binary missing from PATH", () => {
  let daemon: DaemonHandle;
  let client: Client;
  const emptyPath = tempDir("agentd-empty-path-");

  before(async () => {
    daemon = await startDaemon({ env: { PATH: emptyPath } });
    client = api(daemon.url);
  });
  after(async () => {
    await daemon?.stop();
    cleanup(emptyPath);
    if (daemon) cleanup(daemon.dataDir);
  });

  it("boots, and auto routing falls back to embedded saying codex was not found", async () => {
    const run = await converseWith(client, {});
    assert.equal(run.status, "completed", run.error);
    assert.equal(run.provider, "embedded");
    assert.match(run.routing.reason, /codex unavailable \(codex binary "codex" not found on PATH/);
    assert.match(run.routing.reason, /using embedded/);
  });

  it("a codex session fails with an actionable message and diagnose names the cause", async () => {
    const run = await converseWith(client, { provider: "codex" });
    assert.equal(run.status, "failed");
    assert.match(run.error, /codex binary "codex" not found on PATH: install it with "npm install -g @openai\/codex" or pass --codex-bin/);
    const d = await client.get(`/runs/${run.id}/diagnose`);
    assert.equal(d.status, 200);
    assert.equal(d.body.diagnostics.provider_available, false);
    assert.match(d.body.diagnostics.likely_issue, /provider codex is unavailable: codex binary "codex" not found on PATH/);
    assert.equal(d.body.diagnostics.codex_invocation.bin, "codex");
  });
});

describe("codex binary configured wrong", () => {
  const daemons: DaemonHandle[] = [];
  after(async () => {
    for (const d of daemons) {
      await d.stop();
      cleanup(d.dataDir);
    }
  });
  const start = async (args: string[]): Promise<Client> => {
    const d = await startDaemon({ args });
    daemons.push(d);
    return api(d.url);
  };

  it("--codex-bin pointing nowhere: the run fails naming the path and the fix", async () => {
    const client = await start(["--codex-bin", "/nonexistent/agentd-test/codex"]);
    const run = await converseWith(client, { provider: "codex" });
    assert.equal(run.status, "failed");
    assert.match(run.error, /codex binary not found at \/nonexistent\/agentd-test\/codex \(--codex-bin\): install it with "npm install -g @openai\/codex"/);
    const d = await client.get(`/runs/${run.id}/diagnose`);
    assert.match(d.body.diagnostics.likely_issue, /codex binary not found at \/nonexistent\/agentd-test\/codex/);
  });

  it("a codex that exits non-zero, or without finishing the turn, fails the run clearly", async () => {
    const failing = await start(["--codex-bin", "/bin/false"]);
    const r1 = await converseWith(failing, { provider: "codex" });
    assert.equal(r1.status, "failed");
    assert.match(r1.error, /^codex exited with code 1/);

    const silent = await start(["--codex-bin", "/bin/true"]);
    const r2 = await converseWith(silent, { provider: "codex" });
    assert.equal(r2.status, "failed");
    assert.match(r2.error, /codex exited without completing the turn \(no turn\.completed event\)/);
  });

  it("a session cwd that does not exist fails the run before codex starts", async () => {
    const client = await start(["--codex-bin", "/bin/true"]);
    const parent = tempDir("agentd-gone-");
    const missing = join(parent, "not-there");
    const run = await converseWith(client, { provider: "codex", cwd: missing });
    cleanup(parent);
    assert.equal(run.status, "failed");
    assert.match(run.error, new RegExp(`the session's cwd ${missing.replace(/[.]/g, "\\.")} is not an existing directory`));
  });

  it("an invalid --codex-sandbox stops the boot naming the flag", async () => {
    const { code, stderr } = await startFailure(["--codex-sandbox", "yolo"]);
    assert.notEqual(code, 0);
    assert.match(stderr, /provider-codex.*--codex-sandbox/);
  });
});
