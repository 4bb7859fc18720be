// agentctl polish found by a new operator (issue 17 item 8): one not-found line, --url usage errors,
// help without env-baked defaults, aligned events, a spinner that clears on Ctrl-C, the daemon's
// plugin list read by agentctl (AGENTD_CONFIG), and unknown pluginConfig keys refused at boot.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ROOT, cleanup, startDaemon, tempDir, type DaemonHandle } from "../support/daemon.ts";
import { agentctl } from "./cli-helpers.ts";
import { eventLine } from "../../oclif-cli/src/render/resources.ts";
import { startSpinner } from "../../oclif-cli/src/output/spinner.ts";
import { checkPluginConfigKeys } from "../../core/src/kernel/plugin-loader.ts";
import type { AgentEvent } from "@agentd/core/client";

describe("agentctl polish", () => {
  it("a mistyped command prints one line with a suggestion and exits 127", async () => {
    const r = await agentctl(["sesion", "list"]);
    assert.equal(r.code, 127);
    assert.equal(r.stderr, 'error: "sesion list" is not an agentctl command. Did you mean `agentctl session list`? Run `agentctl --help` for every command.\n');
    assert.equal(r.stdout, "");
  });

  it("--url that is not an http(s) URL is a usage error (exit 2), from the flag or the env", async () => {
    const flag = await agentctl(["--url", "notaurl", "daemon", "status"]);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--url "notaurl" is not an http\(s\) URL/);
    const env = await agentctl(["daemon", "status"], { env: { AGENTCTL_URL: "ftp://example" } });
    assert.equal(env.code, 2);
  });

  it("--help shows the documented --url default, never one from an earlier environment", async () => {
    // The first run (re)writes manifests with a strange URL in the env; help later must not show it.
    await agentctl(["run", "get", "--help"], { env: { AGENTCTL_URL: "http://127.0.0.1:37713" } });
    const help = await agentctl(["run", "get", "--help"]);
    assert.doesNotMatch(help.stdout, /37713/);
    assert.match(help.stdout, /default\s+http:\/\/127\.0\.0\.1:8765/);
    assert.equal(help.stdout.match(/AGENTD_RUN_ID/g)?.length, 1, "the env of --run-id is named once");
  });

  it("events lines keep their columns for long types and missing run ids", () => {
    const base = { id: "e", session_id: "ses_x", created_at: "2026-12-04T02:00:00.000Z", data: {} } as unknown as AgentEvent;
    const a = eventLine({ ...base, seq: 1, event_type: "run.queued", run_id: "run_0123456789abcdef" } as AgentEvent);
    const b = eventLine({ ...base, seq: 22, event_type: "claude.session_not_found", run_id: null } as AgentEvent);
    assert.equal(a.indexOf("{}"), b.indexOf("{}"));
  });

  it("the spinner clears its line on Ctrl-C before exiting", () => {
    let written = "";
    let interrupted = false;
    const stream = { isTTY: true, write: (s: string) => ((written += s), true) } as unknown as NodeJS.WriteStream;
    startSpinner("waiting", stream, () => (interrupted = true));
    process.emit("SIGINT");
    assert.ok(interrupted);
    assert.ok(written.endsWith("\r\u001b[2K"), "the last thing written clears the line");
    assert.equal(process.listenerCount("SIGINT"), 0, "the handler is removed");
  });

  it("npm test's summary names skipped groups and why (node counts them as 0 skipped tests)", () => {
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const r = spawnSync("bash", ["test/run.sh", "test/fixtures/skipped-group.ts"], { cwd: ROOT, env, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^# skipped groups and tests: 1\n# {3}test\/fixtures\/skipped-group\.ts: a group that needs a missing tool \(the tool is missing: install it\)$/m);
  });

  it("refuses pluginConfig for a plugin that is not loaded, naming it and the loaded ones", () => {
    assert.doesNotThrow(() => checkPluginConfigKeys(["a"], ["a", "b"]));
    assert.throws(() => checkPluginConfigKeys(["shout-provder"], ["storage-sqljs", "shout-provider"]), /pluginConfig names "shout-provder", which is not a loaded plugin; loaded: storage-sqljs, shout-provider/);
  });
});

describe("the daemon's plugin list feeds both programs", () => {
  let d: DaemonHandle;
  const dir = tempDir("agentd-plugin-list-");
  const config = join(dir, "agentd.json");
  before(async () => {
    writeFileSync(config, JSON.stringify({ plugins: ["./examples/custom-provider"] }));
    d = await startDaemon({ env: { AGENTD_CONFIG: config } });
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
    cleanup(dir);
  });

  it("agentctl runs the plugin's command found through AGENTD_CONFIG's plugins", async () => {
    const r = await agentctl(["--field", "output", "shout", "say", "--text", "from config"], { env: { AGENTCTL_URL: d.url, AGENTD_CONFIG: config } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), "FROM CONFIG");
  });

  it("the daemon refuses a pluginConfig key that names no loaded plugin", async () => {
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ pluginConfig: { "shout-provder": { prefix: "x" } } }));
    const r = (await startDaemon({ env: { AGENTD_CONFIG: bad } }).then(
      () => assert.fail("the daemon started"),
      (err: unknown) => err,
    )) as { exitCode: number; stderr: string };
    assert.equal(r.exitCode, 1);
    assert.match(r.stderr, /pluginConfig names "shout-provder", which is not a loaded plugin; loaded: storage-sqljs/);
  });
});
