// The app-server transport without a usable codex: a binary that is missing or too old makes the
// provider unavailable from the start (daemon status says why and what to install) and a codex
// run fails with that sentence. Needs no real codex binary (a shell script stands in for an old one).
import assert from "node:assert/strict";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { api, cleanup, startDaemon, startFailure, tempDir, type DaemonHandle } from "../support/daemon.ts";

describe("codex app-server transport: binary missing or unsupported", () => {
  const daemons: DaemonHandle[] = [];
  const dir = tempDir("agentd-old-codex-");
  after(async () => {
    for (const d of daemons) {
      await d.stop();
      cleanup(d.dataDir);
    }
    cleanup(dir);
  });

  async function check(bin: string, reason: RegExp): Promise<void> {
    const d = await startDaemon({ args: ["--codex-transport", "app-server", "--codex-bin", bin] });
    daemons.push(d);
    const client = api(d.url);
    assert.match(d.logs(), /codex app-server transport unavailable/, "said in the log at start");
    const status = await client.get("/daemon/status");
    const codex = status.body.providers.find((p: any) => p.name === "codex");
    assert.equal(codex.available, false);
    assert.match(codex.reason, reason);
    assert.match(codex.description, /app-server/);
    const s = await client.post("/sessions", { provider: "codex" });
    const m = await client.post(`/sessions/${s.body.session.id}/messages`, { text: "hi", idempotency_key: "k1" });
    const run = (await client.get(`/runs/${m.body.run.id}/wait?timeout_s=30`)).body.run;
    assert.equal(run.status, "failed");
    assert.match(run.error, reason);
  }

  it("too old: daemon status and the run name the version needed and how to install it", async () => {
    const old = join(dir, "codex");
    writeFileSync(old, "#!/bin/sh\necho 'codex-cli 0.120.0'\n");
    chmodSync(old, 0o755);
    await check(old, /codex 0\.120\.0 at .* is too old for the app-server transport \(needs 0\.169\.0 or newer\): install a supported one with "npm install -g @openai\/codex@0\.169\.0"/);
  });

  it("missing: the same install hint as the exec transport", async () => {
    await check(join(dir, "no-such-codex"), /codex binary not found at .*no-such-codex \(--codex-bin\): install it with "npm install -g @openai\/codex"/);
  });

  it("an unknown transport is refused at boot", async () => {
    const r = await startFailure(["--codex-transport", "grpc"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--codex-transport\): must be equal to one of the allowed values: exec, app-server/);
  });
});
