// The examples run as a newcomer would use them: the custom provider package loaded with --plugin
// (provider, flags, transport, CLI command through agentctl's link-plugin discovery) and the Node
// client SDK script, each against a real daemon, including their error paths.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { agentctl } from "../cli/cli-helpers.ts";
import { ROOT, api, cleanup, startDaemon, startFailure, tempDir, type DaemonHandle } from "../support/daemon.ts";

const PLUGIN = "./examples/custom-provider/src/index.ts";
const NODE_CLIENT = join(ROOT, "examples/node-client/src/main.ts");

function node(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    p.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => p.kill("SIGKILL"), 120_000);
    p.on("error", reject);
    p.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("examples/custom-provider", () => {
  let d: DaemonHandle;
  let dataDir: string;
  before(async () => {
    d = await startDaemon({ args: ["--plugin", PLUGIN, "--shout-prefix", "> ", "--shout-delay-ms", "50"] });
    dataDir = tempDir("agentctl-data-");
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
    cleanup(dataDir);
  });

  it("runs sessions: reply with the flag's prefix, a turn event per run, the thread resumed", async () => {
    const c = api(d.url);
    const status = (await c.get("/daemon/status")).body;
    assert.ok(status.plugins.some((p: { name: string; source: string }) => p.name === "shout-provider" && p.source === PLUGIN));
    assert.ok(status.providers.some((p: { name: string; available: boolean }) => p.name === "shout" && p.available));
    const session = (await c.post("/sessions", { provider: "shout" })).body.session;
    const outputs: string[] = [];
    for (const [i, text] of ["hello", "again"].entries()) {
      const run = (await c.post(`/sessions/${session.id}/messages`, { text }, { "Idempotency-Key": `shout-${i}` })).body.run;
      const waited = (await c.get(`/runs/${run.id}/wait?timeout_s=60`)).body;
      assert.equal(waited.run.status, "completed", JSON.stringify(waited.run));
      outputs.push(waited.run.output);
    }
    assert.deepEqual(outputs, ["> HELLO", "> AGAIN"]);
    const turns = (await c.get(`/sessions/${session.id}/events?cursor=0`)).body.events.filter((e: { event_type: string }) => e.event_type === "shout.turn");
    assert.deepEqual(turns.map((e: { data: unknown }) => e.data), [{ turn: 1, resumed: false }, { turn: 2, resumed: true }]);
  });

  it("honours cancellation and serves its transport with ownership checks", async () => {
    const slow = await startDaemon({ args: ["--plugin", PLUGIN, "--shout-delay-ms", "60000"] });
    try {
      const c = api(slow.url);
      const session = (await c.post("/sessions", { provider: "shout" })).body.session;
      const run = (await c.post(`/sessions/${session.id}/messages`, { text: "wait" }, { "Idempotency-Key": "slow-1" })).body.run;
      await (async () => {
        for (let i = 0; i < 200 && (await c.get(`/runs/${run.id}`)).body.run.status !== "running"; i++) await new Promise((r) => setTimeout(r, 100));
      })();
      const canceled = await c.post(`/runs/${run.id}/cancel`, {});
      assert.equal(canceled.status, 200);
      assert.equal(canceled.body.run.status, "canceled");
      // The transport: replay from 0 as JSON lines, and the documented 4xx for bad requests.
      const ctrl = new AbortController();
      const res = await fetch(`${slow.url}/shout/stream?sessionId=${session.id}&cursor=0`, { signal: ctrl.signal });
      assert.equal(res.headers.get("content-type"), "application/x-ndjson");
      const reader = res.body!.getReader();
      let text = "";
      while (!text.includes("run.canceled")) text += new TextDecoder().decode((await reader.read()).value);
      ctrl.abort();
      assert.deepEqual(text.trim().split("\n").map((l) => JSON.parse(l).event_type).slice(0, 2), ["session.created", "message.created"]);
      assert.equal((await c.get("/shout/stream?sessionId=ses_nope&cursor=0")).status, 404);
      assert.equal((await c.get("/shout/stream?bogus=1")).status, 400);
    } finally {
      await slow.stop();
      cleanup(slow.dataDir);
    }
  });

  it("refuses a bad flag value at boot, naming the plugin and the flag", async () => {
    const r = await startFailure(["--plugin", PLUGIN, "--shout-delay-ms", "-1"]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /plugin "shout-provider": invalid config at "delayMs" \(--shout-delay-ms\)/);
  });

  it("adds `agentctl shout say` once linked, and not before", async () => {
    const env = { AGENTCTL_URL: d.url, AGENTCTL_DATA_DIR: dataDir };
    const before = await agentctl(["shout", "say", "--text", "x"], { env });
    assert.equal(before.code, 127, `unlinked: unknown command\n${before.stderr}`);

    const linked = await agentctl(["plugins", "link", join(ROOT, "examples/custom-provider"), "--no-install"], { env });
    assert.equal(linked.code, 0, linked.stderr);
    const plugins = await agentctl(["--format", "pretty", "plugins"], { env });
    assert.match(plugins.stdout, /^agentd-provider-shout 0\.1\.0 \(link\)\n\s+shout say\s+Send text/m);

    const said = await agentctl(["--format", "json", "shout", "say", "--text", "hi"], { env });
    assert.equal(said.code, 0, said.stderr);
    const result = JSON.parse(said.stdout);
    assert.equal(result.output, "> HI");
    assert.equal(result.status, "completed");
    const again = await agentctl(["--field", "output", "shout", "say", "--session-id", result.session_id, "--text", "more"], { env });
    assert.equal(again.stdout.trim(), "> MORE");

    const missing = await agentctl(["shout", "say", "--session-id", "ses_nope", "--text", "x"], { env });
    assert.equal(missing.code, 4);
    assert.match(missing.stderr, /not_found \(HTTP 404\)/);
    const usage = await agentctl(["shout", "say"], { env });
    assert.equal(usage.code, 2, "missing --text is a usage error");

    assert.equal((await agentctl(["plugins", "uninstall", "agentd-provider-shout"], { env })).code, 0);
    assert.equal((await agentctl(["shout", "say", "--text", "x"], { env })).code, 127);
  });
});

describe("examples/node-client", () => {
  it("drives a session to completion and sees its events on the stream", async () => {
    const d = await startDaemon();
    try {
      const r = await node(["--import", "tsx", NODE_CLIENT, "Respond with exactly: hi"], { AGENTD_URL: d.url });
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^session ses_\S+$/m);
      assert.match(r.stdout, /^event \d+ run\.started$/m);
      assert.match(r.stdout, /^event \d+ run\.completed$/m);
      assert.match(r.stdout, /^run run_\S+ completed: hi$/m);
      assert.doesNotMatch(r.stderr, /did not deliver/);
    } finally {
      await d.stop();
      cleanup(d.dataDir);
    }
  });

  it("fails with a clear message when the daemon is unreachable or refuses the token", async () => {
    const unreachable = await node(["--import", "tsx", NODE_CLIENT], { AGENTD_URL: "http://127.0.0.1:1" });
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.stderr, /cannot reach the agentd daemon at http:\/\/127\.0\.0\.1:1.*npm start/);
    const d = await startDaemon({ args: ["--auth-token", "docs-example-token-1"] });
    try {
      const refused = await node(["--import", "tsx", NODE_CLIENT], { AGENTD_URL: d.url, AGENTD_TOKEN: "wrong-token-123456" });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /the daemon refused: unauthorized \(HTTP 401\)/);
      const allowed = await node(["--import", "tsx", NODE_CLIENT, "Respond with exactly: ok"], { AGENTD_URL: d.url, AGENTD_TOKEN: "docs-example-token-1" });
      assert.equal(allowed.code, 0, allowed.stderr);
    } finally {
      await d.stop();
      cleanup(d.dataDir);
    }
  });
});
