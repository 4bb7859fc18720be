// The routeProvider hook: examples/route-by-prefix loaded with --plugin into a real daemon claims
// "auto" runs whose prompt names a provider, and the built-in order still routes everything else.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { api, cleanup, startDaemon, type DaemonHandle } from "../support/daemon.ts";

const ROUTER = "./examples/route-by-prefix/src/index.ts";
const SHOUT = "./examples/custom-provider/src/index.ts";
const POLICY = "./test/core/fixtures/route-policy.ts";

describe("routeProvider hook (examples/route-by-prefix)", () => {
  let d: DaemonHandle;
  before(async () => {
    // codex and claude made unavailable, so the built-in order ends at embedded whatever is installed.
    d = await startDaemon({ args: ["--plugin", SHOUT, "--plugin", ROUTER, "--plugin", POLICY, "--codex-bin", "/nonexistent/codex", "--claude-bin", "/nonexistent/claude"] });
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
  });

  const converse = (text: string, provider = "auto") => api(d.url).converse(text, { provider });

  it("a tap claims an auto run: the run goes to the provider the prompt names, and says why", async () => {
    const { run } = await converse("@shout hello");
    assert.equal(run.status, "completed", JSON.stringify(run));
    assert.equal(run.provider, "shout");
    assert.equal(run.output, "@SHOUT HELLO");
    assert.deepEqual(run.routing, { requested: "auto", resolved: "shout", reason: "auto: route-by-prefix claimed it (the prompt starts with @shout)" });
  });

  it("a run the tap does not claim falls through to the built-in order (codex, claude-code, embedded)", async () => {
    for (const text of ["Respond with exactly: plain", "@nosuch provider named"]) {
      const { run } = await converse(text);
      assert.equal(run.status, "completed", JSON.stringify(run));
      assert.equal(run.provider, "embedded");
      assert.match(run.routing.reason, /^auto: codex unavailable \(.*\/nonexistent\/codex.*\); claude-code unavailable \(.*\/nonexistent\/claude.*\); using embedded$/);
    }
  });

  it("an explicitly requested provider is not routed by the hook", async () => {
    const { run } = await converse("@shout Respond with exactly: explicit", "embedded");
    assert.equal(run.provider, "embedded");
    assert.deepEqual(run.routing, { requested: "embedded", resolved: "embedded", reason: "requested explicitly" });
  });

  it("a tap that names an unregistered provider, or throws, fails the run saying so", async () => {
    const missing = (await converse("route-missing please")).run;
    assert.equal(missing.status, "failed");
    assert.match(missing.error, /a routeProvider tap chose provider "ghost", which is not registered \(registered: .*shout.*\); fix or remove the routing plugin \(auto: test-route-policy sent it to ghost\)/);
    const thrown = (await converse("route-throw please")).run;
    assert.equal(thrown.status, "failed");
    assert.match(thrown.error, /test-route-policy cannot decide: the routing table is unreadable/);
  });

  it("daemon status lists the routing plugin", async () => {
    const status = (await api(d.url).get("/daemon/status")).body;
    assert.ok(status.plugins.some((p: { name: string; source: string }) => p.name === "route-by-prefix" && p.source === ROUTER));
  });
});
