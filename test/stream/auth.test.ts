// Who may open which stream, over both transports: bearer tokens, ownership, single-use expiring
// tickets, and refusals as real HTTP responses before any WebSocket upgrade.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import { api, until, type DaemonHandle } from "../support/daemon.ts";
import { ADMIN, TOKEN_A, TOKEN_B, burst, newSession, openRawSse, record, streamDaemon } from "./support.ts";

/** Status of a WebSocket upgrade attempt: 101, or the HTTP refusal with its JSON body. */
function upgrade(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body?: { error: { code: string; message: string } } }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url.replace(/^http/, "ws"), { headers });
    ws.on("open", () => {
      ws.close();
      resolve({ status: 101 });
    });
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(body) }));
    });
    ws.on("error", () => undefined);
  });
}

async function sseStatus(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body?: { error: { code: string; message: string } } }> {
  const s = await openRawSse(url, headers);
  s.close();
  return { status: s.status, body: s.body ?? undefined };
}

const open = { sse: sseStatus, ws: upgrade } as const;
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe("stream auth", () => {
  let d: DaemonHandle;
  let alice: string;
  let bob: string;

  before(async () => {
    d = await streamDaemon();
    alice = await newSession(d.url, TOKEN_A);
    bob = await newSession(d.url, TOKEN_B);
  });
  after(async () => {
    await d?.stop();
  });

  for (const transport of ["sse", "ws"] as const) {
    test(`${transport}: no token, a wrong token, another principal's session`, async () => {
      const none = await open[transport](`${d.url}/stream?sessionId=${alice}`);
      assert.equal(none.status, 401);
      assert.equal(none.body?.error.code, "unauthorized");
      assert.match(none.body!.error.message, /Authorization: Bearer/);
      const wrong = await open[transport](`${d.url}/stream?sessionId=${alice}`, bearer("not-a-real-token"));
      assert.equal(wrong.status, 401);
      const foreign = await open[transport](`${d.url}/stream?sessionId=${bob}`, bearer(TOKEN_A));
      assert.equal(foreign.status, 404, "another principal's session is not revealed");
      assert.equal(foreign.body?.error.code, "not_found");
      assert.equal((await open[transport](`${d.url}/stream?sessionId=${alice}`, bearer(TOKEN_A))).status, transport === "ws" ? 101 : 200);
      assert.equal((await open[transport](`${d.url}/stream?sessionId=${bob}`, bearer(ADMIN))).status, transport === "ws" ? 101 : 200, "admins see every session");
    });

    test(`${transport}: a ticket opens one stream once, then is refused; an expired ticket is refused`, async () => {
      const t = await api(d.url, TOKEN_A).post("/stream/tickets", {});
      assert.equal(t.status, 201);
      assert.match(t.body.ticket, /^agentd_tkt_/);
      assert.ok(Date.parse(t.body.expires_at) > Date.now());
      const url = `${d.url}/stream?sessionId=${alice}&ticket=${t.body.ticket}`;
      assert.equal((await open[transport](url)).status, transport === "ws" ? 101 : 200);
      const again = await open[transport](url);
      assert.equal(again.status, 401, "single use");
      assert.match(again.body!.error.message, /ticket is unknown, expired or already used/);

      const other = await api(d.url, TOKEN_A).post("/stream/tickets", {});
      assert.equal((await open[transport](`${d.url}/stream?sessionId=${bob}&ticket=${other.body.ticket}`)).status, 404, "a ticket carries its principal's rights only");

      const short = await api(d.url, TOKEN_A).post("/stream/tickets", { ttl_s: 1 });
      // Wait until the ticket's own expiry has passed (the clock, not a guess).
      await until(() => Date.now() > Date.parse(short.body.expires_at) + 50, 5_000, "the short ticket to expire");
      assert.equal((await open[transport](`${d.url}/stream?sessionId=${alice}&ticket=${short.body.ticket}`)).status, 401, "expired");
    });
  }

  test("tickets: issued only to authenticated callers, valid only on /stream, ttl validated", async () => {
    assert.equal((await api(d.url).post("/stream/tickets", {})).status, 401);
    assert.equal((await api(d.url, "wrong-token-123").post("/stream/tickets", {})).status, 401);
    const bad = await api(d.url, TOKEN_A).post("/stream/tickets", { ttl_s: 0 });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /ttl_s/);
    assert.equal((await api(d.url, TOKEN_A).post("/stream/tickets", { ttl_s: 301 })).status, 400);
    assert.equal((await api(d.url, TOKEN_A).post("/stream/tickets", { scope: "x" })).status, 400);
    const t = await api(d.url, TOKEN_A).post("/stream/tickets", {});
    const rest = await api(d.url).get(`/sessions?ticket=${t.body.ticket}`);
    assert.equal(rest.status, 401, "a ticket is not a REST credential");
    // The failed REST attempt did not consume it: it still opens a stream.
    assert.equal((await sseStatus(`${d.url}/stream?sessionId=${alice}&ticket=${t.body.ticket}`)).status, 200);
  });

  for (const transport of ["sse", "ws"] as const) {
    test(`${transport} SDK: a refused stream is a fatal error, not an endless retry`, async () => {
      const foreign = record(d.url, transport, { sessionId: bob });
      await until(() => foreign.statuses.includes("closed"), 15_000, "subscription to give up");
      assert.match(foreign.errors.join("\n"), /\(404\).*session .* not found/);
      const badToken = record(d.url, transport, { sessionId: alice, token: "not-a-real-token" });
      await until(() => badToken.statuses.includes("closed"), 15_000, "subscription to give up");
      assert.match(badToken.errors.join("\n"), /\(401\)/);
      assert.equal(foreign.sub.status, "closed");
    });

    test(`${transport} SDK with getTicket: every (re)connection uses a fresh ticket`, async () => {
      let issued = 0;
      const getTicket = async (): Promise<string> => {
        issued++;
        return (await api(d.url, TOKEN_A).post("/stream/tickets", {})).body.ticket as string;
      };
      const r = record(d.url, transport, { sessionId: alice, cursor: 0, token: undefined, getTicket });
      await r.opened();
      const { last_seq } = await burst(d.url, alice, 3);
      await r.waitForSeq(last_seq);
      await api(d.url, TOKEN_A).post("/test/drop-streams", {});
      const more = await burst(d.url, alice, 3);
      await r.waitForSeq(more.last_seq);
      assert.ok(issued >= 2, `tickets issued: ${issued}`);
      assert.deepEqual(r.errors, []);
      r.sub.close();
    });
  }
});
