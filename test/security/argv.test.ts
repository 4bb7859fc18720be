// #14.10: the daemon's flags are parsed by node:util parseArgs (core/src/daemon/argv.ts), tested as
// subprocesses of the real daemon: a missing value fails instead of becoming "true", a value
// starting with "--" reaches its flag, unknown flags fail; a user's --codex-extra-arg repeating
// an option agentd sets (--color never, as the original agentd documented) wins, and codex runs.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { api, cleanup, ROOT, startDaemon, startFailure, tempDir, until } from "../support/daemon.ts";
import { reply, startScriptedResponsesServer } from "../support/scripted-responses-server.ts";
import { CODEX_TEST_ARGS, codexAvailability, INSTALL_HINT } from "../codex/codex-harness.ts";

const availability = codexAvailability();

describe("daemon argument parsing", { timeout: 180_000 }, () => {
  const dir = tempDir("agentd-argv-");
  after(() => cleanup(dir));

  it("--db with no value fails naming the flag, and creates no file named true", async () => {
    const { code, stderr } = await startFailure(["--db"]);
    assert.equal(code, 1);
    assert.match(stderr, /agentd: cannot start: --db needs a value/);
    assert.ok(!existsSync(join(ROOT, "true")), "no database file named true");
  });

  it("a value-taking flag followed by another agentd flag fails, saying how to pass such a value", async () => {
    const { stderr } = await startFailure(["--codex-model", "--max-concurrency", "2"]);
    assert.match(stderr, /--codex-model needs a value \(it is followed by the flag --max-concurrency; if that is the value, write --codex-model=--max-concurrency\)/);
  });

  it("unknown flags and stray arguments keep failing with a clear message", async () => {
    assert.match((await startFailure(["--no-such-flag"])).stderr, /unknown flag --no-such-flag; run agentd --help/);
    assert.match((await startFailure(["stray"])).stderr, /unexpected argument "stray": flags look like --name value/);
    assert.match((await startFailure(["-x"])).stderr, /unknown flag -x/);
  });

  it("the launcher hands every argument and variable over intact: newlines, backslashes, =, commas, empty values", async () => {
    const weird = ["line one\nline two", "back\\slash\\n", "a=b=c", "", " spaced ", "-c", "x,y"];
    const script = join(dir, "print-env.sh");
    writeFileSync(script, `printf '%s' "$WEIRD_ENV" | base64 -w0; echo; printf '%s' "$EMPTY_ENV" | wc -c\n`);
    const d = await startDaemon({
      args: ["--plugin", "./test/fixtures/plugins/proc-probe-provider.ts", "--codex-bin", "/nonexistent/codex", ...weird.flatMap((w) => ["--codex-extra-arg", w])],
      env: { WEIRD_ENV: weird.join("\n"), EMPTY_ENV: "" },
    });
    try {
      const { run } = await api(d.url).converse(script, { provider: "proc-probe" });
      assert.equal(run.status, "completed", run.error);
      const [encoded, emptyLength] = run.output.trim().split("\n");
      assert.equal(Buffer.from(encoded, "base64").toString(), weird.join("\n"), "an env value with newlines and backslashes");
      assert.equal(emptyLength.trim(), "0", "an empty variable stays set and empty");
      const codex = await api(d.url).converse("hi", { provider: "codex" });
      const diag = (await api(d.url).get(`/runs/${codex.run.id}/diagnose`)).body.diagnostics;
      assert.deepEqual(diag.codex_invocation.extra_args, weird);
    } finally {
      await d.stop();
      cleanup(d.dataDir);
    }
  });

  it("a broken hand-off (AGENTD_LAUNCH_FD naming no open fd) stops the daemon saying how to start it", () => {
    const r = spawnSync(process.execPath, ["bin/agentd-daemon.mjs"], { cwd: ROOT, encoding: "utf8", timeout: 30_000, env: { PATH: process.env.PATH, AGENTD_LAUNCH_FD: "97" } });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /agentd: cannot start: cannot read the launcher's hand-off on fd 97: .*start agentd with bin\/agentd/);
  });

  it("--codex-extra-arg --search and --codex-extra-arg=--x reach codex's argv as values", async () => {
    const d = await startDaemon({ args: ["--codex-extra-arg", "--search", "--codex-extra-arg=--max-concurrency", "--codex-sandbox-network", "false", "--codex-bin", "/nonexistent/codex"] });
    try {
      const { run } = await api(d.url).converse("hi", { provider: "codex" });
      const diag = (await api(d.url).get(`/runs/${run.id}/diagnose`)).body.diagnostics;
      assert.deepEqual(diag.codex_invocation.extra_args, ["--search", "--max-concurrency"], JSON.stringify(diag));
    } finally {
      await d.stop();
      cleanup(d.dataDir);
    }
  });
});

describe("a user's --codex-extra-arg --color (the original agentd's example) with the real codex binary", { skip: availability.skip, timeout: 300_000 }, () => {
  if (!availability.installed) {
    it("has the codex test binary installed (AGENTD_REQUIRE_CODEX=1)", () => assert.fail(INSTALL_HINT));
    return;
  }
  it("codex gets one --color, the user's, and the run completes", async () => {
    // The command keeps the run active long enough to read its argv in diagnose (argv is live-only).
    const model = await startScriptedResponsesServer([reply.shell("sleep 3", { login: false }), reply.message("colored")]);
    const codexHome = model.writeCodexHome();
    const d = await startDaemon({ args: [...CODEX_TEST_ARGS, "--codex-extra-arg", "--color", "--codex-extra-arg", "always"], env: model.codexEnv(codexHome) });
    try {
      const client = api(d.url);
      const session = await client.post("/sessions", { provider: "codex" });
      const sent = await client.post(`/sessions/${session.body.session.id}/messages`, { text: "say it", idempotency_key: `color-${Date.now()}` });
      assert.equal(sent.status, 201, JSON.stringify(sent.body));
      const runId = sent.body.run.id as string;
      const argv = await until(async () => (await client.get(`/runs/${runId}/diagnose`)).body.diagnostics.codex_invocation.argv as string[] | null, 30_000, "codex's argv in diagnose");
      const run = (await client.get(`/runs/${runId}/wait?timeout_s=60`)).body.run;
      assert.equal(run.status, "completed", run.error);
      assert.equal(run.output, "colored");
      assert.equal(argv.filter((a) => a === "--color").length, 1, argv.join(" "));
      assert.equal(argv[argv.indexOf("--color") + 1], "always");
    } finally {
      await d.stop();
      await model.close();
      cleanup(codexHome);
      cleanup(d.dataDir);
    }
  });
});
