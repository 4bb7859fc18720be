// agentctl webhook add | list | remove as a subprocess against a real daemon.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { agentctl, ok } from "../cli/cli-helpers.ts";
import { cleanup, startDaemon, type DaemonHandle } from "../support/daemon.ts";

describe("agentctl webhook", () => {
  let d: DaemonHandle;
  before(async () => {
    d = await startDaemon({ args: ["--webhook-allow-host", "127.0.0.1"] });
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
  });

  it("adds, lists and removes a webhook", async () => {
    const added = JSON.parse(await ok(d.url, ["--format", "json", "webhook", "add", "--webhook-url", "http://127.0.0.1:9/hook", "--event", "run.ended", "--event", "child.announced"]));
    assert.match(added.webhook.id, /^whk_/);
    assert.deepEqual(added.webhook.events, ["run.ended", "child.announced"]);
    assert.match(added.secret, /^whsec_/);
    const listed = await ok(d.url, ["--format", "pretty", "webhook", "list"]);
    assert.match(listed, new RegExp(`${added.webhook.id}\\s+run.ended,child.announced\\s+http://127.0.0.1:9/hook`));
    assert.equal(await ok(d.url, ["--field", "webhooks.0.id", "webhook", "list"]), added.webhook.id);
    assert.equal(await ok(d.url, ["--format", "pretty", "webhook", "remove", "--webhook-id", added.webhook.id]), `deleted ${added.webhook.id}`);
    assert.equal(await ok(d.url, ["--format", "pretty", "webhook", "list"]), "no webhooks");
  });

  it("reports bad input with the daemon's message and a non-zero exit", async () => {
    const refused = await agentctl(["webhook", "add", "--webhook-url", "http://10.0.0.7/hook", "--event", "run.ended"], { env: { AGENTCTL_URL: d.url } });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /private or loopback address.*--webhook-allow-host 10\.0\.0\.7/);
    const badEvent = await agentctl(["webhook", "add", "--webhook-url", "http://127.0.0.1:9/", "--event", "run.started"], { env: { AGENTCTL_URL: d.url } });
    assert.equal(badEvent.code, 2);
    const missing = await agentctl(["webhook", "remove", "--webhook-id", "whk_nope"], { env: { AGENTCTL_URL: d.url } });
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /webhook whk_nope not found/);
  });
});
