// #13.1: no secret reaches an agent, whatever the provider. The embedded runtime has no tool that
// runs a command or reads a file, so a provider plugin that spawns a child the way providers do
// (test/fixtures/plugins/proc-probe-provider.ts, forwarding the daemon's whole process.env) runs
// the probe. Tokens come by flag, by env and from token files.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { api, cleanup, ROOT, startDaemon, tempDir, type DaemonHandle } from "../support/daemon.ts";
import { assertDaemonProcClean, assertProbeFoundNothing, uniqueToken, writeProbeScript } from "./secrets-probe.ts";

const PROBE_PLUGIN = "./test/fixtures/plugins/proc-probe-provider.ts";
const userFlag = [uniqueToken("user-flag-a"), uniqueToken("user-flag-b")];
const adminEnv = [uniqueToken("admin-env-a"), uniqueToken("admin-env-b")];
const userFile = uniqueToken("user-file");
const adminFile = uniqueToken("admin-file");
const TOKENS = [...userFlag, ...adminEnv, userFile, adminFile];

describe("secrets: a provider's child process cannot read the daemon's tokens", { timeout: 120_000 }, () => {
  let d: DaemonHandle;
  const dir = tempDir("agentd-secrets-provider-");

  before(async () => {
    writeFileSync(join(dir, "users"), `# user tokens\n\n${userFile}\n`, { mode: 0o600 });
    writeFileSync(join(dir, "admins"), `${adminFile}\n`, { mode: 0o600 });
    d = await startDaemon({
      args: ["--plugin", PROBE_PLUGIN, "--auth-token", userFlag[0], `--auth-token=${userFlag[1]}`, "--auth-token-file", join(dir, "users"), "--admin-token-file", join(dir, "admins")],
      env: { AGENTD_ADMIN_TOKENS: adminEnv.join(","), AGENTCTL_AUTH_TOKEN: adminEnv[0] },
    });
  });
  after(async () => {
    await d?.stop();
    cleanup(dir);
    if (d) cleanup(d.dataDir);
  });

  it("the daemon's /proc cmdline and environ and ps show no token, and every token works", async () => {
    assertDaemonProcClean(d.proc.pid!, TOKENS);
    for (const t of TOKENS) assert.equal((await api(d.url, t).get("/sessions")).status, 200, "each configured token authenticates");
  });

  it("the provider's child finds no token in /proc/$PPID, /proc/*, its env or ps", async () => {
    const probe = writeProbeScript(dir, TOKENS);
    const { run } = await api(d.url, userFlag[0]).converse(probe, { provider: "proc-probe" });
    assert.equal(run.status, "completed", run.error);
    assertProbeFoundNothing(run.output, d.proc.pid!, TOKENS);
  });

  it("a daemon started without the launcher, a token on its command line, refuses to start", () => {
    const token = uniqueToken("exposed");
    const r = spawnSync(process.execPath, ["bin/agentd-daemon.mjs", "--port", "0", "--db", join(dir, "exposed.db"), "--auth-token", token], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /readable by every process of this user.*command line.*start agentd with bin\/agentd/);
    assert.ok(!r.stderr.includes(token), "the message does not repeat the token");
  });

  it("...nor with a token in its exec-time environment", () => {
    const token = uniqueToken("exposed-env");
    const r = spawnSync(process.execPath, ["bin/agentd-daemon.mjs", "--port", "0", "--db", join(dir, "exposed-env.db")], { cwd: ROOT, encoding: "utf8", timeout: 30_000, env: { PATH: process.env.PATH, AGENTD_AUTH_TOKEN: token } });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /environment variable AGENTD_AUTH_TOKEN/);
  });
});
