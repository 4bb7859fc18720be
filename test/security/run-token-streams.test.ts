// A run token lives exactly as long as its run: when the run ends, every stream it opened (SSE,
// WebSocket, by header or by ticket) is closed with the cursor it reached and a reason, and every
// ticket it minted but did not use is void.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import { api, cleanup, until, type DaemonHandle } from "../support/daemon.ts";
import { openRawSse } from "../stream/support.ts";
import { ADMIN, OWNER, heldRun, startTokenDaemon } from "./run-token-helpers.ts";

interface WsClient {
  frames: Array<{ seq?: number; type?: string }>;
  closed: { code: number; reason: string } | null;
}

function openWs(url: string, headers: Record<string, string> = {}): Promise<WsClient> {
  const client: WsClient = { frames: [], closed: null };
  const ws = new WebSocket(url, { headers });
  ws.on("message", (m) => client.frames.push(JSON.parse(m.toString())));
  ws.on("close", (code, reason) => (client.closed = { code, reason: reason.toString() }));
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(client));
    ws.once("unexpected-response", (_req, res) => reject(new Error(`WS upgrade refused with ${res.statusCode}`)));
  });
}

/** The status of a WebSocket upgrade that is expected to be refused. */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.once("open", () => (ws.close(), resolve(101)));
    ws.once("error", () => resolve(-1));
  });
}

describe("run tokens: streams and tickets end with the run", () => {
  let d: DaemonHandle;
  before(async () => {
    d = await startTokenDaemon();
  });
  after(async () => {
    await d?.stop();
    if (d) cleanup(d.dataDir);
  });

  test("revoking a run token closes its SSE and WS streams with a cursor and voids its tickets", async () => {
    const run = await heldRun(d.url, "revocation");
    const bearer = { authorization: `Bearer ${run.token}` };
    const wsUrl = d.url.replace("http", "ws");
    const mint = async (): Promise<string> => {
      const res = await api(d.url, run.token).post("/stream/tickets", {});
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.ticket as string;
    };

    // Streams by header (one session, all sessions), by ticket (SSE and WS), and two unused tickets.
    const sseOwn = await openRawSse(`${d.url}/stream?sessionId=${run.sessionId}&cursor=0`, bearer);
    const sseAll = await openRawSse(`${d.url}/stream?cursor=0`, bearer);
    const sseTicket = await openRawSse(`${d.url}/stream?sessionId=${run.sessionId}&cursor=0&ticket=${await mint()}`);
    const wsOwn = await openWs(`${wsUrl}/stream?sessionId=${run.sessionId}&cursor=0`, bearer);
    const wsTicket = await openWs(`${wsUrl}/stream?cursor=0&ticket=${await mint()}`);
    const unusedSse = await mint();
    const unusedWs = await mint();
    const ownerStream = await openRawSse(`${d.url}/stream?sessionId=${run.sessionId}&cursor=0`, { authorization: `Bearer ${OWNER}` });
    for (const s of [sseOwn, sseAll, sseTicket, ownerStream]) assert.equal(s.status, 200);
    const sawToken = (seqs: Array<{ event_type?: string }>): boolean => seqs.some((e) => e.event_type === "child.token");
    await until(() => [sseOwn, sseAll, sseTicket].every((s) => sawToken(s.events())) && [wsOwn, wsTicket].every((w) => sawToken(w.frames as never)), 20_000, "every stream to replay the run's session");

    // The run ends (canceled by its owner): its token is revoked.
    assert.equal((await api(d.url, OWNER).post(`/runs/${run.runId}/cancel`, {})).status, 200);

    for (const [name, s] of [["sse one session", sseOwn], ["sse all sessions", sseAll], ["sse by ticket", sseTicket]] as const) {
      await until(() => s.ended(), 15_000, `${name} to end`);
      const last = s.frames.at(-1)!;
      assert.equal(last.event, "revoked", `${name}: ends with event: revoked (got ${last.event})`);
      const data = JSON.parse(last.data) as { cursor: number; reason: string };
      assert.equal(data.cursor, Number(s.events().at(-1)!.seq), `${name}: the cursor is the last event it was sent`);
      assert.match(data.reason, /revoked/);
      assert.ok(s.events().some((e) => e.event_type === "run.canceled"), `${name}: the run's own end was delivered before the close`);
    }
    for (const [name, w] of [["ws one session", wsOwn], ["ws by ticket", wsTicket]] as const) {
      await until(() => w.closed !== null, 15_000, `${name} to close`);
      assert.equal(w.closed!.code, 4401, `${name}: closed with 4401`);
      const reason = JSON.parse(w.closed!.reason) as { cursor: number; reason: string };
      assert.equal(reason.reason, "revoked");
      assert.equal(reason.cursor, w.frames.filter((f) => f.seq !== undefined).at(-1)!.seq);
    }

    // Tickets minted before the end no longer open anything; the token itself is refused.
    const late = await openRawSse(`${d.url}/stream?cursor=0&ticket=${unusedSse}`);
    assert.equal(late.status, 401);
    assert.match(late.body.error.message, /ticket is unknown, expired or already used/);
    assert.equal(await upgradeStatus(`${wsUrl}/stream?cursor=0&ticket=${unusedWs}`), 401);
    assert.equal((await api(d.url, run.token).post("/stream/tickets", {})).status, 401);
    assert.equal((await openRawSse(`${d.url}/stream?cursor=0`, bearer)).status, 401);

    // The run token's stream slots are free again; the owner's stream of the same session stays open.
    const status = (await api(d.url, ADMIN).get("/daemon/status")).body;
    assert.equal(status.streams.open, 1, "only the owner's stream is left open");
    assert.equal(ownerStream.ended(), false);
    assert.ok(ownerStream.events().some((e) => e.event_type === "run.canceled"));
    ownerStream.close();
  });
});
