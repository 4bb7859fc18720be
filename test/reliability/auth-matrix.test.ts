// Auth matrix: every route and both stream transports against no token, a wrong token, another
// principal's token, the owner's token, an admin token and a run's own token (taken from inside a
// running run). Each answer matches docs/v1-decisions.md "Ownership and ACL model", and no answer
// to another principal or to an unrelated run token carries the owner's ids or texts.
import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { WebSocket } from "ws";
import { api, startDaemon, until, type DaemonHandle } from "../support/daemon.ts";

const OWNER = "matrix-owner-token-1";
const OTHER = "matrix-other-token-2";
const ADMIN = "matrix-admin-token-3";
type Who = "none" | "wrong" | "other" | "owner" | "admin" | "run";
const WHO: Who[] = ["none", "wrong", "other", "owner", "admin", "run"];

interface Route {
  method: "GET" | "POST";
  path: string;
  body?: Record<string, unknown>;
  /** Statuses for the owner and admin (they may act; some routes refuse by state, e.g. 409). */
  allowed: number[];
  /** Visible to every authenticated caller (not owned by anyone). */
  open?: boolean;
}

describe("auth matrix", () => {
  let d: DaemonHandle;
  after(async () => {
    await d?.stop();
  });

  test("every route and transport x {none, wrong, other, owner, admin, run token}", { timeout: 180_000 }, async (t) => {
    d = await startDaemon({ args: ["--plugin", "./test/fixtures/plugins/child-process-provider.ts", "--auth-token", OWNER, "--auth-token", OTHER, "--admin-token", ADMIN] });
    const owner = api(d.url, OWNER);
    const SECRET = `alice-secret-${Math.random().toString(36).slice(2)}`;
    // The owner's data that must never reach "other" or an unrelated run token.
    const target = await owner.converse(`child 10 ${SECRET}`, { title: `title-${SECRET}`, provider: "child" });
    assert.equal(target.run.status, "completed");
    // A running run in another session of the same owner hands out its token.
    const tree = (await owner.post("/sessions", { title: "run token tree", provider: "child" })).body.session.id as string;
    const held = (await owner.post(`/sessions/${tree}/messages`, { text: "token hold 120000", idempotency_key: "held" })).body.run.id as string;
    const runToken = await until(async () => {
      const events = (await owner.get(`/sessions/${tree}/events?limit=1000`)).body.events as Array<{ event_type: string; data: { token?: string } }>;
      return events.find((e) => e.event_type === "child.token")?.data.token;
    }, 30_000, "the run to report its token");
    const tokens: Record<Who, string | undefined> = { none: undefined, wrong: "not-a-configured-token", other: OTHER, owner: OWNER, admin: ADMIN, run: runToken };
    const ownerId = target.session.owner as string;
    const leaks = [target.session.id, target.run.id, target.message.id, SECRET, ownerId];
    // A run token acts for the same owner (its own sessions carry the owner id), never for other sessions.
    const leaksFor = (who: string): string[] => (who.startsWith("run") ? leaks.filter((s) => s !== ownerId) : leaks);

    const sid = target.session.id;
    const rid = target.run.id;
    const routes: Route[] = [
      { method: "GET", path: "/daemon/status", allowed: [200], open: true },
      { method: "POST", path: "/stream/tickets", body: {}, allowed: [201], open: true },
      { method: "GET", path: `/sessions/${sid}`, allowed: [200] },
      { method: "GET", path: `/sessions/${sid}/messages`, allowed: [200] },
      { method: "GET", path: `/sessions/${sid}/events?cursor=0`, allowed: [200] },
      { method: "GET", path: `/sessions/${sid}/escalations`, allowed: [200] },
      { method: "GET", path: `/sessions/${sid}/children`, allowed: [200] },
      { method: "POST", path: `/sessions/${sid}/messages`, body: { text: "child 1 matrix" }, allowed: [201] },
      { method: "POST", path: `/sessions/${sid}/send`, body: { text: "hello" }, allowed: [201, 403, 409] },
      { method: "POST", path: "/runs", body: { session_id: sid, prompt: "child 1 via runs" }, allowed: [201] },
      { method: "GET", path: `/runs/${rid}`, allowed: [200] },
      { method: "GET", path: `/runs/${rid}/wait?timeout_s=0`, allowed: [200] },
      { method: "GET", path: `/runs/${rid}/diagnose`, allowed: [200] },
      { method: "POST", path: `/runs/${rid}/transition`, body: { to_status: "canceled" }, allowed: [409] },
      { method: "POST", path: `/runs/${rid}/cancel`, body: {}, allowed: [409] },
      { method: "POST", path: `/runs/${rid}/spawn`, body: { task: "child 1" }, allowed: [201, 403, 409] },
      { method: "POST", path: `/runs/${rid}/reply-parent`, body: { text: "x", request_kind: "info" }, allowed: [403, 409] },
    ];

    let checked = 0;
    for (const route of routes) {
      for (const who of WHO) {
        const body = route.body && route.path !== "/stream/tickets" ? { ...route.body, idempotency_key: `${who}-${route.path}-${checked}` } : route.body;
        const res = await api(d.url, tokens[who]).raw(route.method, route.path, body);
        const what = `${who} ${route.method} ${route.path} -> ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
        checked++;
        if (who === "none" || who === "wrong") {
          assert.equal(res.status, 401, what);
          assert.equal(res.body.error.code, "unauthorized", what);
          continue;
        }
        if (who === "owner" || who === "admin" || route.open) assert.ok((route.open ? [200, 201] : route.allowed).includes(res.status), what);
        else assert.equal(res.status, 404, `${what}: another principal must not learn the resource exists`);
        // An id the caller sent may be echoed back ("session X not found"); anything else is a leak.
        if (who === "other" || who === "run") for (const s of leaksFor(who)) if (!route.path.includes(s) && !JSON.stringify(route.body ?? {}).includes(s)) assert.ok(!JSON.stringify(res.body).includes(s), `${what}: leaks ${s}`);
      }
    }
    // Health is public; lists show only what the caller may see.
    for (const who of WHO) assert.equal((await api(d.url, tokens[who]).get("/health")).status, 200);
    for (const who of ["other", "run"] as const) {
      const list = await api(d.url, tokens[who]).get("/sessions?limit=500");
      assert.equal(list.status, 200);
      for (const s of leaksFor(who)) assert.ok(!JSON.stringify(list.body).includes(s), `${who} GET /sessions leaks ${s}`);
    }
    const runList = (await api(d.url, runToken).get("/sessions?limit=500")).body.sessions as Array<{ id: string }>;
    assert.deepEqual(runList.map((s) => s.id), [tree], "a run token lists only its own session tree");
    assert.equal((await api(d.url, runToken).get(`/sessions/${tree}/events?cursor=0`)).status, 200, "a run token reads its own session");
    assert.equal((await api(d.url, runToken).get(`/runs/${held}`)).status, 200);
    assert.ok((await api(d.url, ADMIN).get("/sessions?limit=500")).body.sessions.some((s: { id: string }) => s.id === sid), "admin sees every session");

    // Streams for one session: SSE and WS refuse before streaming; owners and admins get a stream.
    const expectStream: Record<Who, number> = { none: 401, wrong: 401, other: 404, owner: 200, admin: 200, run: 404 };
    for (const who of WHO) {
      const headers: Record<string, string> = tokens[who] ? { authorization: `Bearer ${tokens[who]}` } : {};
      const sse = await fetch(`${d.url}/stream?sessionId=${sid}&cursor=0`, { headers: { ...headers, accept: "text/event-stream" } });
      assert.equal(sse.status, expectStream[who], `${who} SSE`);
      if (sse.status === 200) await sse.body?.cancel();
      else {
        const refusal = await sse.text();
        for (const s of leaksFor(who).slice(1)) assert.ok(!refusal.includes(s), `${who} SSE refusal leaks ${s}`);
      }
      const wsStatus = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`${d.url.replace("http", "ws")}/stream?sessionId=${sid}&cursor=0`, { headers });
        ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        ws.once("open", () => (ws.close(), resolve(200)));
        ws.once("error", () => resolve(-1));
      });
      assert.equal(wsStatus, expectStream[who], `${who} WS upgrade`);
    }

    // The all-sessions stream of another principal and of the run token: none of the owner's events.
    const seen: Record<string, string> = { "other-sse": "", "other-ws": "", "run-sse": "", "run-ws": "" };
    const closers: Array<() => void> = [];
    for (const who of ["other", "run"] as const) {
      const ctrl = new AbortController();
      const sse = await fetch(`${d.url}/stream?cursor=0`, { headers: { authorization: `Bearer ${tokens[who]}`, accept: "text/event-stream" }, signal: ctrl.signal });
      assert.equal(sse.status, 200);
      void (async () => {
        try {
          for await (const chunk of sse.body as unknown as AsyncIterable<Uint8Array>) seen[`${who}-sse`] += Buffer.from(chunk).toString();
        } catch {
          /* aborted */
        }
      })();
      const ws = new WebSocket(`${d.url.replace("http", "ws")}/stream?cursor=0`, { headers: { authorization: `Bearer ${tokens[who]}` } });
      ws.on("message", (m) => (seen[`${who}-ws`] += m.toString()));
      closers.push(() => ctrl.abort(), () => ws.close());
    }
    // New activity in the owner's session while they listen, plus a marker in the run's own tree.
    const fresh = await owner.post(`/sessions/${sid}/messages`, { text: `child 5 ${SECRET}-live`, idempotency_key: "live" });
    await owner.get(`/runs/${fresh.body.run.id}/wait?timeout_s=30`);
    await until(() => seen["run-sse"].includes("child.token") && seen["run-ws"].includes("child.token"), 20_000, "the run token's streams to replay its own session");
    // Then an event each stream may see, written after the owner's last one: streams deliver in seq
    // order, so once a stream shows its marker it has considered every owner event before it.
    const other = api(d.url, OTHER);
    const otherSession = (await other.post("/sessions", { title: "marker", provider: "child" })).body.session.id as string;
    assert.equal((await other.post(`/sessions/${otherSession}/messages`, { text: "child 1 marker-for-other", idempotency_key: "marker-other" })).status, 201);
    assert.equal((await owner.post(`/sessions/${tree}/messages`, { text: "child 1 marker-for-run", idempotency_key: "marker-run" })).status, 201);
    await until(() => ["other-sse", "other-ws"].every((k) => seen[k].includes("marker-for-other")) && ["run-sse", "run-ws"].every((k) => seen[k].includes("marker-for-run")), 20_000, "every stream to deliver an event written after the owner's last");
    for (const c of closers) c();
    for (const [name, text] of Object.entries(seen)) for (const s of leaksFor(name)) assert.ok(!text.includes(s), `${name} all-sessions stream leaks ${s}`);
    t.diagnostic(`${checked} route x principal answers checked, plus ${WHO.length * 2} stream refusals and 4 all-sessions streams`);
    await owner.post(`/runs/${held}/cancel`, {});
  });
});
