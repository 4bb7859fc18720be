// #13.1: no secret reaches an agent. A daemon started with user and admin tokens by flag and by
// env runs a REAL codex (test/codex-bin) whose exec_command tool call (scripted by the Responses
// server) hunts for the tokens in /proc/$PPID and every readable /proc/*/cmdline|environ, `env`
// and `ps`; what codex sends back to the model must hold no token. The test process checks the
// daemon's /proc and `ps` too.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, cleanup, startDaemon, tempDir, type DaemonHandle } from "../support/daemon.ts";
import { functionCallOutputs, reply, startScriptedResponsesServer, type ScriptedResponsesServer } from "../support/scripted-responses-server.ts";
import { CODEX_TEST_ARGS, codexAvailability, INSTALL_HINT } from "../codex/codex-harness.ts";
import { assertDaemonProcClean, assertProbeFoundNothing, uniqueToken, writeProbeScript } from "./secrets-probe.ts";

const availability = codexAvailability();
// Flags beat env per option, so user tokens come from env here and admin tokens from flags
// (secrets-provider.test.ts swaps them).
const userEnv = [uniqueToken("user-env-a"), uniqueToken("user-env-b")];
const adminFlag = [uniqueToken("admin-flag-a"), uniqueToken("admin-flag-b")];
const TOKENS = [...userEnv, ...adminFlag];

describe("secrets: a codex agent cannot read the daemon's tokens", { skip: availability.skip, timeout: 300_000 }, () => {
  if (!availability.installed) {
    it("has the codex test binary installed (AGENTD_REQUIRE_CODEX=1)", () => assert.fail(INSTALL_HINT));
    return;
  }
  let model: ScriptedResponsesServer;
  let d: DaemonHandle;
  let codexHome: string;
  const workDir = tempDir("agentd-secrets-codex-");

  before(async () => {
    model = await startScriptedResponsesServer();
    codexHome = model.writeCodexHome();
    d = await startDaemon({
      args: [...CODEX_TEST_ARGS, "--codex-sandbox", "danger-full-access", "--admin-token", adminFlag[0], `--admin-token=${adminFlag[1]}`],
      env: { ...model.codexEnv(codexHome), AGENTD_AUTH_TOKENS: userEnv.join(",") },
    });
  });
  after(async () => {
    await d?.stop();
    await model?.close();
    cleanup(codexHome);
    cleanup(workDir);
    if (d) cleanup(d.dataDir);
  });

  it("the daemon's /proc cmdline and environ and ps show no token, and every token works", async () => {
    assertDaemonProcClean(d.proc.pid!, TOKENS);
    for (const t of TOKENS) assert.equal((await api(d.url, t).get("/sessions")).status, 200, "each configured token authenticates");
  });

  it("codex's exec_command finds no token in /proc/$PPID, /proc/*, env or ps", async () => {
    const probe = writeProbeScript(workDir, TOKENS);
    model.enqueue(reply.shell(`bash ${probe}`, { login: false }), reply.message("probed"));
    const client = api(d.url, userEnv[0]);
    const { run } = await client.converse("look around", { provider: "codex", cwd: workDir });
    assert.equal(run.status, "completed", run.error);
    const outputs = model.requests.flatMap((r) => functionCallOutputs(r.body)).map((o) => o.output);
    const report = outputs.find((o) => o.includes("probe done"));
    assert.ok(report, `codex sent the probe's output back to the model: ${JSON.stringify(outputs)}`);
    assertProbeFoundNothing(report, d.proc.pid!, TOKENS);
    for (const r of model.requests) for (const t of TOKENS) assert.ok(!JSON.stringify(r.body).includes(t), "no token in anything codex sent the model");
  });
});
