// Webhooks end to end: a real receiver on loopback fails every event twice, the daemon is killed
// with SIGKILL in between and restarted on the same data dir, and still every event arrives, signed,
// with exactly one delivery id per event (so the receiver can drop repeats).
import assert from "node:assert/strict";
import { lookup } from "node:dns/promises";
import { hostname } from "node:os";
import { after, before, describe, it } from "node:test";
import { api, cleanup, startDaemon, until, type DaemonHandle } from "../support/daemon.ts";
import { SLOW_PLUGIN, finished, key, liveParent, running, spawn } from "../orchestration/helpers.ts";
import { startReceiver, type Receiver } from "./receiver.ts";
import { backoffMs } from "../../plugins/webhooks/src/dispatcher.ts";

const TOKEN = "webhook-owner-token-0001";
const OTHER = "webhook-other-token-0002";
const SECRET = "a-receiver-secret-of-some-length";
const ARGS = ["--plugin", SLOW_PLUGIN, "--auth-token", TOKEN, "--auth-token", OTHER, "--webhook-allow-host", "127.0.0.1", "--webhook-retry-base-ms", "50", "--webhook-retry-max-ms", "200"];

describe("webhooks: durable, signed, retried deliveries", () => {
  let receiver: Receiver;
  let d: DaemonHandle;
  let hookId = "";
  before(async () => {
    receiver = await startReceiver(SECRET);
    d = await startDaemon({ args: ARGS });
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
    await receiver.close();
  });

  it("delivers run.ended, escalation.requested and child.announced through failures and a kill -9", async () => {
    let client = api(d.url, TOKEN);
    const created = await client.post("/webhooks", { url: receiver.url, events: ["run.ended", "escalation.requested", "child.announced"], secret: SECRET });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.secret, SECRET);
    hookId = created.body.webhook.id;
    // The receiver is down (500) until the daemon has been killed.
    let phase: "down" | "up" = "down";
    receiver.policy = (_id, seenBefore) => (phase === "down" || seenBefore < 2 ? 500 : 200);

    const parent = await liveParent(client);
    const child = await spawn(client, parent.runId, { task: "sleep 600000", provider: "slow" });
    await running(client, child.runId);
    const esc = await client.post(`/runs/${child.runId}/reply-parent`, { text: "may I?", request_kind: "approval_request" });
    assert.equal(esc.status, 201, JSON.stringify(esc.body));
    assert.equal((await client.post(`/runs/${child.runId}/cancel`, {})).status, 200);
    assert.equal((await client.post(`/runs/${parent.runId}/cancel`, {})).status, 200);
    // child escalation, child run ended, child announced to the parent, parent run ended
    const expected = 4;
    const failedTwice = () => new Set(receiver.received.map((r) => r.deliveryId)).size === expected && [...new Set(receiver.received.map((r) => r.deliveryId))].every((id) => receiver.received.filter((r) => r.deliveryId === id).length >= 2);
    await until(failedTwice, 20_000, "every event attempted twice");
    await d.kill9();
    phase = "up";
    d = await startDaemon({ args: ARGS, dataDir: d.dataDir });
    client = api(d.url, TOKEN);

    const delivered = () => receiver.received.filter((r) => r.answered === 200);
    await until(() => new Set(delivered().map((r) => r.deliveryId)).size === expected, 20_000, "every event delivered after the restart");
    assert.ok(receiver.received.every((r) => r.signatureValid), "every request carries a valid Agentd-Signature");
    const byEvent = new Map<number, Set<string>>();
    for (const r of receiver.received) byEvent.set(r.body.event.seq, (byEvent.get(r.body.event.seq) ?? new Set()).add(r.deliveryId));
    assert.equal(byEvent.size, expected);
    for (const [seq, ids] of byEvent) assert.equal(ids.size, 1, `event ${seq} has one delivery id`);
    for (const r of receiver.received) assert.equal(r.body.id, r.deliveryId, "the body names its delivery id too");
    const types = [...new Set(delivered().map((r) => `${r.event}:${r.body.event.event_type}`))].sort();
    assert.deepEqual(types, ["child.announced:child.run.canceled", "escalation.requested:escalation.requested", "run.ended:run.canceled"]);
    assert.equal(delivered().filter((r) => r.event === "run.ended").length, 2);

    const log = await until(async () => {
      const r = await client.get(`/webhooks/${hookId}/deliveries`);
      return r.body.deliveries?.every((x: { status: string }) => x.status === "delivered") ? r : null;
    }, 10_000, "deliveries recorded as delivered");
    assert.equal(log.body.deliveries.length, expected);
    for (const x of log.body.deliveries) assert.ok(x.attempts >= 3, `delivery ${x.id} took ${x.attempts} attempts`);
    const diag = await client.get(`/runs/${child.runId}/diagnose`);
    assert.deepEqual(diag.body.diagnostics.webhook_deliveries.map((x: { event: string }) => x.event).sort(), ["child.announced", "escalation.requested", "run.ended"]);
  });

  it("backs off exponentially up to the cap", () => {
    const cfg = { retryBaseMs: 50, retryMaxMs: 200 };
    assert.deepEqual([1, 2, 3, 4, 10].map((n) => backoffMs(n, cfg)), [50, 100, 200, 200, 200]);
  });

  it("keeps webhooks per principal and validates URLs (SSRF default)", async () => {
    const owner = api(d.url, TOKEN);
    const other = api(d.url, OTHER);
    const created = await owner.post("/webhooks", { url: receiver.url, events: ["run.ended"] });
    assert.equal(created.status, 201);
    assert.match(created.body.secret, /^whsec_/, "a secret is generated when none is given");
    assert.equal(created.body.webhook.secret, undefined, "the secret is never listed");
    const id = created.body.webhook.id;
    assert.ok((await owner.get("/webhooks")).body.webhooks.some((w: { id: string }) => w.id === id));
    assert.ok(!(await other.get("/webhooks")).body.webhooks.some((w: { id: string }) => w.id === id));
    assert.equal((await other.get(`/webhooks/${id}/deliveries`)).status, 404);
    assert.equal((await other.raw("DELETE", `/webhooks/${id}`)).status, 404);

    for (const [url, why] of [["ftp://example.com/x", /scheme "ftp"/], ["not a url", /not a URL/], ["http://localhost:9/x", /--webhook-allow-host localhost/], ["http://10.1.2.3/x", /private or loopback/], ["http://[::1]:9/x", /private or loopback/]] as const) {
      const r = await owner.post("/webhooks", { url, events: ["run.ended"] });
      assert.equal(r.status, 400, url);
      assert.match(r.body.error.message, why);
    }
    const badEvent = await owner.post("/webhooks", { url: receiver.url, events: ["run.started"] });
    assert.equal(badEvent.status, 400);
    assert.equal((await owner.post("/webhooks", { url: receiver.url, events: [] })).status, 400);

    const removed = await owner.raw("DELETE", `/webhooks/${id}`);
    assert.equal(removed.status, 200);
    assert.equal(removed.body.deleted, true);
    assert.equal((await owner.get(`/webhooks/${id}`)).status, 404);
  });

  // A name is not refused at registration, but the address it resolves to is checked when
  // connecting: this host's own name resolves to loopback here, which is not allow-listed by name.
  const ownName = hostname().toLowerCase();
  const resolvesPrivate = lookup(ownName).then((a) => /^127\./.test(a.address), () => false);
  it("refuses at delivery time a name that resolves to a private address", async (t) => {
    if (!(await resolvesPrivate)) return t.skip(`${ownName} does not resolve to a loopback address on this machine`);
    const client = api(d.url, TOKEN);
    const port = new URL(receiver.url).port;
    const created = await client.post("/webhooks", { url: `http://${ownName}:${port}/hook`, events: ["run.ended"] });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const before = receiver.received.length;
    const s = await client.post("/sessions", { provider: "slow" });
    await finished(client, (await client.post(`/sessions/${s.body.session.id}/messages`, { text: "sleep 1", idempotency_key: key() })).body.run.id);
    const delivery = await until(async () => (await client.get(`/webhooks/${created.body.webhook.id}/deliveries`)).body.deliveries?.find((x: { attempts: number }) => x.attempts >= 1), 10_000, "an attempt");
    assert.match(delivery.last_error, new RegExp(`${ownName} resolves to private address 127\\.[0-9.]+; allow it with --webhook-allow-host ${ownName}`));
    assert.equal(delivery.last_status, null);
    assert.equal(receiver.received.slice(before).filter((r) => r.body.webhook_id === created.body.webhook.id).length, 0, "nothing reached the receiver");
    await client.raw("DELETE", `/webhooks/${created.body.webhook.id}`);
  });

  it("forgets finished deliveries with the event log (--event-retention-days)", async () => {
    const client = api(d.url, TOKEN);
    // (the previous test's run added one more delivery; let it finish first)
    await until(async () => {
      const kept = (await client.get(`/webhooks/${hookId}/deliveries`)).body.deliveries;
      return kept.length >= 4 && kept.every((x: { status: string }) => x.status === "delivered");
    }, 10_000, "every delivery finished");
    await d.stop();
    // ~0.9 s: every delivery above is older than that by now
    d = await startDaemon({ args: [...ARGS, "--event-retention-days", "0.00001"], dataDir: d.dataDir });
    const after = await until(async () => {
      const r = await api(d.url, TOKEN).get(`/webhooks/${hookId}/deliveries`);
      return r.body.deliveries?.length === 0 ? r : null;
    }, 10_000, "the delivery log purged");
    assert.equal(after.status, 200);
    assert.equal((await api(d.url, TOKEN).get(`/webhooks/${hookId}`)).status, 200, "the webhook itself stays");
  });
});
