// docs/config.md names every key, and examples/agentd.config.json (every key) boots a real daemon.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DEFAULTS } from "../../core/src/daemon/config.ts";
import { DEFAULT_PLUGINS } from "../../core/src/daemon/default-plugins.ts";
import type { AgentdPlugin } from "../../core/src/kernel/plugin.ts";
import { ROOT, api, cleanup, startDaemon, type DaemonHandle } from "../support/daemon.ts";

const EXAMPLE = join(ROOT, "examples", "agentd.config.json");
const doc = readFileSync(join(ROOT, "docs", "config.md"), "utf8");
const example = JSON.parse(readFileSync(EXAMPLE, "utf8")) as Record<string, unknown> & { pluginConfig: Record<string, Record<string, unknown>> };

describe("the config file", () => {
  let plugins: AgentdPlugin[];
  let d: DaemonHandle;
  before(async () => {
    plugins = await Promise.all(DEFAULT_PLUGINS.map(async (spec) => ((await import(spec)) as { default: AgentdPlugin }).default));
    d = await startDaemon({ args: ["--config", EXAMPLE], env: { AGENTD_LOG_FORMAT: undefined } });
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
  });

  it("docs/config.md documents every daemon key and every built-in plugin key", () => {
    for (const key of [...Object.keys(DEFAULTS), "plugins", "pluginConfig"]) assert.match(doc, new RegExp(`^\\| \`${key}\` \\|`, "m"), `daemon key ${key}`);
    for (const plugin of plugins) {
      for (const key of Object.keys(plugin.configSchema?.properties ?? {})) {
        assert.match(doc, new RegExp(`^\\| \`${plugin.name}\` \\| \`${key}\` \\|`, "m"), `plugin key ${plugin.name}.${key}`);
      }
    }
  });

  it("the example sets every daemon key and names only real plugins and keys", () => {
    for (const key of [...Object.keys(DEFAULTS), "plugins", "pluginConfig"]) assert.ok(key in example, `example lacks ${key}`);
    for (const [name, config] of Object.entries(example.pluginConfig)) {
      const plugin = plugins.find((p) => p.name === name);
      assert.ok(plugin, `example configures unknown plugin ${name}`);
      for (const key of Object.keys(config)) assert.ok(key in (plugin.configSchema?.properties ?? {}), `${name}.${key} is not a config key`);
    }
  });

  it("boots a daemon with the example and applies it", async () => {
    const [token] = example.pluginConfig["auth-bearer"].tokens as string[];
    const [admin] = example.pluginConfig["auth-bearer"].adminTokens as string[];
    assert.equal((await api(d.url).get("/sessions")).status, 401, "tokens from the file are required");
    const status = await api(d.url, admin).get("/daemon/status"); // plugins are admin detail
    assert.equal(status.status, 200);
    assert.equal(status.body.max_concurrency, example.maxConcurrency);
    assert.equal(status.body.auth_required, true);
    for (const name of ["webhooks", "metrics"]) assert.ok(status.body.plugins.some((p: { name: string }) => p.name === name), name);
    assert.equal((await api(d.url, admin).get("/metrics")).status, 200);
    // logFormat "auto" with stderr on a pipe: JSON lines
    assert.ok(d.logs().split("\n").filter(Boolean).every((l) => l.startsWith("{")));
  });
});
