// Auth via flag and env, an unreachable daemon, tool commands before their routes exist, help,
// "did you mean", and plugin command discovery.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { after, before, describe, it } from "node:test";
import { cleanup, startDaemon, type DaemonHandle } from "../support/daemon.ts";
import { agentctl } from "./cli-helpers.ts";

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe("agentctl with an auth-protected daemon", () => {
  let d: DaemonHandle;
  const TOKEN = "cli-test-token-0123456789";

  before(async () => {
    d = await startDaemon({ args: ["--auth-token", TOKEN] });
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
  });

  it("rejects a missing or wrong token with exit 4 and says how to pass one", async () => {
    const none = await agentctl(["session", "list"], { env: { AGENTCTL_URL: d.url } });
    assert.equal(none.code, 4);
    assert.match(none.stderr, /unauthorized \(HTTP 401\)/);
    assert.match(none.stderr, /--auth-token or AGENTCTL_AUTH_TOKEN/);
    const wrong = await agentctl(["session", "list", "--auth-token", "nope"], { env: { AGENTCTL_URL: d.url } });
    assert.equal(wrong.code, 4);
  });

  it("accepts the token from --auth-token and from AGENTCTL_AUTH_TOKEN", async () => {
    const viaFlag = await agentctl(["--auth-token", TOKEN, "--field", "session.id", "session", "create"], { env: { AGENTCTL_URL: d.url } });
    assert.equal(viaFlag.code, 0, viaFlag.stderr);
    assert.match(viaFlag.stdout.trim(), /^ses_/);
    const viaEnv = await agentctl(["--field", "session.id", "session", "get", "--session-id", viaFlag.stdout.trim()], { env: { AGENTCTL_URL: d.url, AGENTCTL_AUTH_TOKEN: TOKEN } });
    assert.equal(viaEnv.code, 0, viaEnv.stderr);
    assert.equal(viaEnv.stdout.trim(), viaFlag.stdout.trim());
    const status = await agentctl(["--url", d.url, "--field", "auth_required", "daemon", "status"], { env: { AGENTCTL_AUTH_TOKEN: TOKEN } });
    assert.equal(status.stdout.trim(), "true");
  });

  it("tool commands send the documented bodies and report a missing route clearly", async () => {
    const env = { AGENTCTL_URL: d.url, AGENTCTL_AUTH_TOKEN: TOKEN, AGENTD_RUN_ID: "run_parent", AGENTD_SESSION_ID: "ses_x" };
    const cases: [string[], RegExp][] = [
      [["tool", "session-spawn", "--task", "review"], /POST \/runs\/run_parent\/spawn/],
      [["tool", "session-send", "--session-id", "ses_child", "--text", "hi"], /POST \/sessions\/ses_child\/send/],
      [["tool", "session-reply-parent", "--text", "done", "--request-kind", "result"], /POST \/runs\/run_parent\/reply-parent/],
    ];
    for (const [args, route] of cases) {
      const r = await agentctl(args, { env });
      assert.equal(r.code, 4, `${args.join(" ")}: ${r.stderr}`);
      // Either the route is missing (before the agent-to-agent issue) or the run is unknown (after it).
      assert.match(r.stderr, /not_found \(HTTP 404\)/);
      if (/no route/.test(r.stderr)) assert.match(r.stderr, route);
    }
    const wait = await agentctl(["tool", "session-wait", "--run-id", "run_missing"], { env });
    assert.equal(wait.code, 4);
    assert.match(wait.stderr, /run run_missing not found/);
    const usage = await agentctl(["tool", "session-reply-parent", "--text", "x", "--request-kind", "result"], { env: { AGENTCTL_URL: d.url } });
    assert.equal(usage.code, 2, "without AGENTD_RUN_ID --run-id is required");
    assert.match(usage.stderr, /run-id/);
  });
});

describe("agentctl without a daemon", () => {
  it("exits 3 naming the URL and how to start the daemon", async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}`;
    const r = await agentctl(["daemon", "status"], { env: { AGENTCTL_URL: url } });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, new RegExp(`cannot reach the agentd daemon at ${url}`));
    assert.match(r.stderr, /npm start/);
    assert.match(r.stderr, /--url or AGENTCTL_URL/);
    assert.equal(r.stdout, "");
    const send = await agentctl(["message", "send", "--url", url, "--session-id", "s", "--text", "t"]);
    assert.equal(send.code, 3);
  });

  it("help lists topics, commands and examples; a typo suggests the right command", async () => {
    const help = await agentctl(["--help"]);
    assert.equal(help.code, 0);
    for (const topic of ["daemon", "session", "message", "run", "events", "tool", "storage"]) assert.match(help.stdout, new RegExp(`^  ${topic}\\s`, "m"));
    assert.match(help.stdout, /\$ agentctl daemon status/);
    const topic = await agentctl(["run", "--help"]);
    assert.match(topic.stdout, /run wait\s/);
    assert.match(topic.stdout, /\$ agentctl --field run\.status run wait/);
    const cmd = await agentctl(["message", "send", "--help"]);
    assert.match(cmd.stdout, /--idempotency-key/);
    assert.match(cmd.stdout, /--field/);
    assert.match(cmd.stdout, /EXAMPLES/);
    const typo = await agentctl(["sesion", "create"]);
    assert.notEqual(typo.code, 0);
    assert.match(typo.stderr, /Did you mean `agentctl session create`\?/);
  });

  it("plugins lists the CLI's plugins and their commands, including storage check", async () => {
    const json = await agentctl(["--format", "json", "plugins"]);
    assert.equal(json.code, 0, json.stderr);
    const listing = JSON.parse(json.stdout) as { plugins: { name: string; commands: { id: string }[] }[] };
    const storage = listing.plugins.find((p) => p.name === "@agentd/plugin-storage-sqljs");
    assert.ok(storage, "the storage plugin is listed");
    assert.deepEqual(storage.commands.map((c) => c.id), ["storage check"]);
    const core = listing.plugins.find((p) => p.name === "@agentd/cli");
    assert.ok(core?.commands.some((c) => c.id === "run wait"));
    const alias = await agentctl(["plugin", "list"]);
    assert.match(alias.stdout, /storage check/);
  });
});
