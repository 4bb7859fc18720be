import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { api, startDaemon, startFailure } from "../support/daemon.ts";

const BAD = "./test/fixtures/plugins/bad-plugins.ts";

describe("plugin loading and daemon configuration", () => {
  const failures: [string, string[], Record<string, string>, RegExp][] = [
    ["a module that does not exist", ["--plugin", "./no/such/plugin.ts"], {}, /plugin "\.\/no\/such\/plugin\.ts": cannot load module/],
    ["a plugin whose config is missing a required key", ["--plugin", BAD], { AGENTD_TEST_BAD_PLUGIN: "needsConfig" }, /plugin "test-needs-config": invalid config.*endpoint/],
    ["a dependency that is not loaded", ["--plugin", BAD], { AGENTD_TEST_BAD_PLUGIN: "missingDependency" }, /plugin "test-missing-dep": depends on plugin "plugin-that-does-not-exist"/],
    ["apply throws", ["--plugin", BAD], { AGENTD_TEST_BAD_PLUGIN: "throwsInApply" }, /plugin "test-throws": apply failed: cannot reach the license server/],
    ["a provider name registered twice", ["--plugin", BAD], { AGENTD_TEST_BAD_PLUGIN: "duplicateProvider" }, /provider "embedded" is already registered by plugin "provider-embedded"/],
    ["a plugin without apply", ["--plugin", BAD], { AGENTD_TEST_BAD_PLUGIN: "noApply" }, /plugin "test-no-apply": "apply" must be a function/],
    ["an unknown flag", ["--colour", "red"], {}, /unknown flag --colour/],
    ["a bad port", ["--port", "99999"], {}, /--port must be an integer/],
    ["a non-numeric concurrency", ["--max-concurrency", "many"], {}, /--max-concurrency expects a number/],
    ["a missing config file", ["--config", "/nonexistent/agentd.json"], {}, /cannot read config file/],
  ];
  for (const [name, args, env, expected] of failures) {
    it(`boot fails clearly on ${name}`, async () => {
      const { code, stderr } = await startFailure(args, env);
      assert.equal(code, 1);
      assert.match(stderr, expected);
      assert.doesNotMatch(stderr, /^\s+at /m, "no stack trace for a configuration error");
    });
  }

  it("a plugin's flag reaches its config (and flags beat env)", async () => {
    const d = await startDaemon({ args: ["--plugin", "./test/fixtures/plugins/slow-provider.ts", "--slow-label", "from-flag", "--auth-token", "flag-token-123", "--admin-token", "flag-admin-token-1"], env: { AGENTD_AUTH_TOKEN: "env-token-12345" } });
    try {
      assert.equal((await api(d.url, "env-token-12345").get("/daemon/status")).status, 401, "the flag replaced the env token");
      const c = api(d.url, "flag-token-123");
      const { run } = await c.converse("sleep 1", { provider: "slow" });
      assert.match(run.output, /^from-flag:/);
      // Plugins and their sources are admin detail (a user token gets the reduced status).
      const status = await api(d.url, "flag-admin-token-1").get("/daemon/status");
      const plugin = status.body.plugins.find((p: { name: string }) => p.name === "test-slow-provider");
      assert.match(plugin.source, /slow-provider\.ts$/);
      assert.ok(status.body.providers.some((p: { name: string; plugin: string }) => p.name === "slow" && p.plugin === "test-slow-provider"));
    } finally {
      await d.stop();
    }
  });

  it("a config file sets daemon and plugin settings; flags still win", async () => {
    const { writeFileSync, mkdtempSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "agentd-cfg-"));
    const file = join(dir, "agentd.json");
    writeFileSync(file, JSON.stringify({ maxConcurrency: 3, plugins: ["./test/fixtures/plugins/slow-provider.ts"], pluginConfig: { "test-slow-provider": { label: "from-file" } } }));
    const d = await startDaemon({ args: ["--config", file, "--max-concurrency", "2"] });
    try {
      const c = api(d.url);
      assert.equal((await c.get("/daemon/status")).body.max_concurrency, 2);
      const { run } = await c.converse("sleep 1", { provider: "slow" });
      assert.match(run.output, /^from-file:/);
    } finally {
      await d.stop();
    }
    writeFileSync(file, JSON.stringify({ maxConcurency: 3 }));
    const { stderr } = await startFailure(["--config", file]);
    assert.match(stderr, /unknown field "maxConcurency"/);
  });

  it("--help lists the daemon's flags and every loaded plugin's flags", async () => {
    const { execFileSync } = await import("node:child_process");
    const { AGENTD_BIN, ROOT } = await import("../support/daemon.ts");
    const out = execFileSync(AGENTD_BIN, ["--help", "--plugin", "./test/fixtures/plugins/slow-provider.ts"], { cwd: ROOT, encoding: "utf8" });
    for (const flag of ["--max-concurrency", "--auth-token", "--checkpoint-bytes", "--slow-label"]) assert.match(out, new RegExp(`^  ${flag} `, "m"));
    assert.match(out, /Plugin test-slow-provider/);
  });

  it("a repeated list flag keeps commas inside values; the env list is comma-separated", async () => {
    const d = await startDaemon({ args: ["--auth-token", "tok,with,commas", "--plugin", "./test/fixtures/plugins/slow-provider.ts"] });
    try {
      assert.equal((await api(d.url, "tok,with,commas").get("/daemon/status")).status, 200);
      assert.equal((await api(d.url, "tok").get("/daemon/status")).status, 401);
    } finally {
      await d.stop();
    }
  });

  it("--plugin accepts a package folder (its exports entry) as well as an entry file", async () => {
    const d = await startDaemon({ args: ["--plugin", "./examples/custom-provider"] });
    try {
      const status = await api(d.url).get("/daemon/status");
      assert.ok(status.body.providers.some((p: { name: string }) => p.name === "shout"), JSON.stringify(status.body.providers));
    } finally {
      await d.stop();
    }
  });
});
