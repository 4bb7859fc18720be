import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { api, startDaemon, until, type DaemonHandle } from "../support/daemon.ts";

const SLOW = ["--plugin", "./test/fixtures/plugins/slow-provider.ts"];

describe("resource limits", () => {
  const daemons: DaemonHandle[] = [];
  after(async () => {
    for (const d of daemons) await d.stop();
  });

  it("caps queued runs per session and per principal with a clear 429", async () => {
    const d = await startDaemon({ args: [...SLOW, "--max-concurrency", "1", "--max-queued-per-session", "2", "--max-queued-per-principal", "3"] });
    daemons.push(d);
    const c = api(d.url);
    const a = (await c.post("/sessions", { provider: "slow" })).body.session.id;
    const send = (sid: string, i: number) => c.post(`/sessions/${sid}/messages`, { text: `sleep 60000 ${i}`, idempotency_key: `${sid}-${i}` });
    const first = await send(a, 0);
    await until(async () => (await c.get(`/runs/${first.body.run.id}`)).body.run.status === "running", 10_000, "first run to start");
    assert.equal((await send(a, 1)).status, 201);
    assert.equal((await send(a, 2)).status, 201);
    const refused = await send(a, 3);
    assert.equal(refused.status, 429);
    assert.equal(refused.body.error.code, "rate_limited");
    assert.equal(refused.body.error.details.limit, "max_queued_per_session");
    assert.match(refused.body.error.message, /--max-queued-per-session/);

    const b = (await c.post("/sessions", { provider: "slow" })).body.session.id;
    assert.equal((await send(b, 1)).status, 201, "third queued run of the principal");
    const byPrincipal = await send(b, 2);
    assert.equal(byPrincipal.status, 429);
    assert.equal(byPrincipal.body.error.details.limit, "max_queued_per_principal");

    // Room comes back when queued runs leave the queue.
    const queued = (await c.get(`/sessions/${a}/events?limit=1000`)).body.events.filter((e: { event_type: string }) => e.event_type === "run.queued");
    await c.post(`/runs/${queued[1].run_id}/cancel`, {});
    assert.equal((await send(b, 3)).status, 201);
  });

  it("event retention deletes old events and answers an expired cursor with 410", async () => {
    const d = await startDaemon();
    const c = api(d.url);
    const { session } = await c.converse("Respond with exactly: old");
    const oldEvents = (await c.get(`/sessions/${session.id}/events?limit=1000`)).body.events;
    const oldCursor = oldEvents[1].seq;
    await d.stop();
    // 0.00001 days is 864 ms: wait until the last event is older than that by the clock.
    const lastAt = Date.parse(oldEvents[oldEvents.length - 1].created_at);
    await until(() => Date.now() > lastAt + 1000, 5_000, "the old events to be past retention");
    const d2 = await startDaemon({ dataDir: d.dataDir, args: ["--event-retention-days", "0.00001"] });
    daemons.push(d2);
    const c2 = api(d2.url);
    await until(() => /event retention deleted old events/.test(d2.logs()), 10_000, "retention to run at start-up");
    const expired = await c2.get(`/sessions/${session.id}/events?cursor=${oldCursor}`);
    assert.equal(expired.status, 410);
    assert.equal(expired.body.error.code, "cursor_expired");
    assert.ok(expired.body.error.details.oldest_valid_cursor >= oldEvents[oldEvents.length - 1].seq);
    const fromStart = await c2.get(`/sessions/${session.id}/events?cursor=0`);
    assert.equal(fromStart.status, 200);
    assert.deepEqual(fromStart.body.events, [], "the old events are gone");
    // The session itself and its messages are kept: retention is about the event log.
    assert.equal((await c2.get(`/sessions/${session.id}/messages`)).body.messages.length, 2);
  });

  it("caps open streams per principal across SSE and WS with a 429 before streaming, and frees slots on close", async () => {
    const { WebSocket } = await import("ws");
    const d = await startDaemon({ args: ["--max-streams-per-principal", "2", "--auth-token", "stream-token-1", "--auth-token", "stream-token-2"] });
    daemons.push(d);
    const headers = { authorization: "Bearer stream-token-1", accept: "text/event-stream" };
    const first = new AbortController();
    const sse1 = await fetch(`${d.url}/stream`, { headers, signal: first.signal });
    assert.equal(sse1.status, 200);
    const ws1 = new WebSocket(`${d.url.replace("http", "ws")}/stream`, { headers: { authorization: "Bearer stream-token-1" } });
    await new Promise((resolve, reject) => ws1.once("open", resolve).once("error", reject));

    const sse3 = await fetch(`${d.url}/stream`, { headers });
    assert.equal(sse3.status, 429);
    const body = await sse3.json();
    assert.equal(body.error.code, "rate_limited");
    assert.equal(body.error.details.limit, "max_streams_per_principal");
    const ws3 = new WebSocket(`${d.url.replace("http", "ws")}/stream`, { headers: { authorization: "Bearer stream-token-1" } });
    const status = await new Promise<number>((resolve) => ws3.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0)).once("open", () => resolve(101)));
    assert.equal(status, 429, "refused before the upgrade");

    const other = await fetch(`${d.url}/stream`, { headers: { ...headers, authorization: "Bearer stream-token-2" } });
    assert.equal(other.status, 200, "the limit is per principal");
    await other.body?.cancel();

    ws1.close();
    first.abort();
    await until(async () => {
      const r = await fetch(`${d.url}/stream`, { headers });
      if (r.status === 200) await r.body?.cancel();
      return r.status === 200;
    }, 10_000, "slots to be freed");
  });
});
