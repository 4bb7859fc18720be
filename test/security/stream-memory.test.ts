// Aggregate stream memory is bounded: (1) many clients that stop reading, plus a burst, stay within
// the daemon-wide --max-stream-buffer-bytes (the largest buffers are closed first, with their resume
// cursor, and resuming delivers every event exactly once); (2) a non-admin's all-sessions replay
// from cursor 0 over a large log reads only its own events and never blocks the event loop.
import assert from "node:assert/strict";
import { get, type IncomingMessage } from "node:http";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import { api, cleanup, until, type DaemonHandle } from "../support/daemon.ts";
import { ADMIN, TOKEN_A, TOKEN_B, allSeqs, assertExactly, burst, newSession, openRawSse, record, streamDaemon } from "../stream/support.ts";

const BUDGET = 4 * 1024 * 1024;
const PER_CONNECTION = 64 * 1024 * 1024;
const CLIENTS = 12; // per transport
const PAD = 4000;
const EVENTS = 2500; // ~10 MB per client: beyond what the kernel's socket buffers absorb

/** One paused client: what it read so far and how the server ended it. */
interface Paused {
  transport: "sse" | "ws";
  seqs: number[];
  /** The server's close: {cursor, limit?} from `event: overflow` / the 4008 reason. */
  end: { cursor: number; limit?: string } | null;
  resume(): void;
}

async function pausedSse(url: string, sid: string): Promise<Paused> {
  const res = await new Promise<IncomingMessage>((resolve) =>
    get(`${url}/stream?sessionId=${sid}&cursor=0`, { headers: { accept: "text/event-stream", authorization: `Bearer ${TOKEN_A}` } }, resolve),
  );
  assert.equal(res.statusCode, 200);
  res.pause();
  const client: Paused = { transport: "sse", seqs: [], end: null, resume: () => res.resume() };
  let buf = "";
  res.setEncoding("utf8");
  res.on("data", (chunk: string) => {
    buf += chunk;
    let idx;
    while ((idx = buf.indexOf("\n\n")) >= 0) {
      const frame = buf.slice(0, idx);
      buf = buf.slice(idx + 2);
      if (frame.startsWith("event: overflow")) client.end = JSON.parse(frame.split("data: ")[1]);
      else if (frame.startsWith("id: ")) client.seqs.push(Number(/^id: (\d+)/.exec(frame)![1]));
    }
  });
  res.pause();
  return client;
}

async function pausedWs(url: string, sid: string): Promise<Paused> {
  const ws = new WebSocket(`${url.replace("http", "ws")}/stream?sessionId=${sid}&cursor=0`, { headers: { authorization: `Bearer ${TOKEN_A}` } });
  const client: Paused = { transport: "ws", seqs: [], end: null, resume: () => ws.resume() };
  ws.on("message", (m) => {
    const f = JSON.parse(m.toString()) as { seq?: number };
    if (f.seq !== undefined) client.seqs.push(f.seq);
  });
  ws.on("close", (code, reason) => {
    if (code === 4008) client.end = JSON.parse(reason.toString());
  });
  await new Promise((r) => ws.once("open", r));
  ws.pause();
  return client;
}

describe("aggregate stream memory", () => {
  let d: DaemonHandle;
  before(async () => {
    // Per-connection limits far above the budget: only the daemon-wide budget can stop the growth.
    d = await streamDaemon({ args: ["--max-stream-buffer-bytes", String(BUDGET), "--sse-max-buffer-bytes", String(PER_CONNECTION), "--ws-max-buffer-bytes", String(PER_CONNECTION)] });
  });
  after(async () => {
    await d?.stop();
    if (d) cleanup(d.dataDir);
  });

  test("paused SSE and WS clients + a burst stay within --max-stream-buffer-bytes; closed ones resume exactly once", { timeout: 180_000 }, async (t) => {
    const sid = await newSession(d.url);
    const clients: Paused[] = [];
    for (let i = 0; i < CLIENTS; i++) clients.push(await pausedSse(d.url, sid), await pausedWs(d.url, sid));
    const admin = api(d.url, ADMIN);
    await until(async () => (await admin.get("/daemon/status")).body.event_subscribers === 2 * CLIENTS, 10_000, "every client to be connected");

    // Produce while sampling what the daemon holds for streams still delivering (the budget's
    // `live_buffered_bytes`; a daemon without a budget only reports every transport's total). Resume
    // everyone once the budget closed someone (or the burst is over), so the closed ones get their cursor.
    let done = false;
    let resumed = false;
    let maxLive = 0;
    let closes = 0;
    const sampler = (async () => {
      while (!done || !resumed) {
        const status = (await admin.get("/daemon/status")).body;
        const total = (status.transports as Array<{ buffered_bytes: number }>).reduce((n, x) => n + x.buffered_bytes, 0);
        maxLive = Math.max(maxLive, status.streams?.live_buffered_bytes ?? total);
        closes = status.streams?.budget_closes ?? 0;
        if (!resumed && (closes > 0 || done)) {
          resumed = true;
          for (const c of clients) c.resume();
        }
      }
    })();
    await burst(d.url, sid, EVENTS, { pad: PAD, per_tx: 10 });
    done = true;
    await sampler;
    t.diagnostic(`max bytes held for the ${clients.length} paused clients' live streams: ${maxLive} (budget ${BUDGET}); budget closes ${closes}`);
    // Between two measurements the budget may be passed by one step (slack) and by streams too small to shed.
    const bound = BUDGET + 64 * 1024 + clients.length * 16 * 1024;
    assert.ok(maxLive <= bound, `the daemon held ${maxLive} bytes for live stream clients (budget ${BUDGET}, bound ${bound})`);
    assert.ok(closes > 0, "the budget closed at least one stream");

    // Every client is either closed with a cursor (resume from it) or live to the end.
    const expected = await allSeqs(d.url, sid);
    const last = expected.at(-1)!;
    await until(() => clients.every((c) => c.end !== null || c.seqs.at(-1) === last), 60_000, "every client to be closed or caught up");
    const closed = clients.filter((c) => c.end !== null);
    assert.ok(closed.some((c) => c.end!.limit === "max_stream_buffer_bytes"), "a close names the daemon-wide budget");
    for (const c of clients) {
      if (c.end === null) {
        assertExactly(c.seqs, expected, `live ${c.transport} client`);
        continue;
      }
      assert.equal(c.end.cursor, c.seqs.at(-1), `${c.transport}: the close carries the last seq the client was sent`);
      const rest = record(d.url, c.transport, { sessionId: sid, cursor: c.end.cursor });
      await rest.waitForSeq(last).catch((err: Error) => assert.fail(`${err.message}; subscription statuses ${rest.statuses.join(",")}; errors ${rest.errors.join("; ")}`));
      assertExactly([...c.seqs, ...rest.seqs], expected, `${c.transport} client closed by the budget, then resumed`);
      rest.sub.close();
    }
  });
});

describe("replay over a large log", () => {
  let d: DaemonHandle;
  before(async () => {
    d = await streamDaemon();
  });
  after(async () => {
    await d?.stop();
    if (d) cleanup(d.dataDir);
  });

  test("a non-admin all-sessions stream at cursor=0 reads only its events and does not block /health", { timeout: 180_000 }, async (t) => {
    // 200k events of B's, then A's session at the end of the log.
    const bob = await newSession(d.url, TOKEN_B);
    for (let i = 0; i < 2; i++) await burst(d.url, bob, 100_000, { per_tx: 1000 }, TOKEN_B);
    const alice = await newSession(d.url);
    await burst(d.url, alice, 5);
    const mine = await allSeqs(d.url, alice);

    let probing = true;
    const latencies: number[] = [];
    const prober = (async () => {
      while (probing) {
        const started = performance.now();
        assert.equal((await fetch(`${d.url}/health`)).status, 200);
        latencies.push(performance.now() - started);
      }
    })();
    await until(() => latencies.length >= 5, 10_000, "the first /health probes");

    const sse = await Promise.all([0, 1].map(() => openRawSse(`${d.url}/stream?cursor=0`, { authorization: `Bearer ${TOKEN_A}` })));
    const ws = [0, 1].map(() => record(d.url, "ws", { cursor: 0 }));
    const started = performance.now();
    await until(() => sse.every((s) => s.events().at(-1)?.seq === mine.at(-1)) && ws.every((w) => w.seqs.at(-1) === mine.at(-1)), 60_000, "every replay to reach A's last event");
    const replayMs = performance.now() - started;
    probing = false;
    await prober;

    for (const s of sse) assertExactly(s.events().map((e) => e.seq), mine, "A's SSE all-sessions replay");
    for (const w of ws) assertExactly(w.seqs, mine, "A's WS all-sessions replay");
    const worst = Math.max(...latencies);
    t.diagnostic(`4 replays over 200k events took ${replayMs.toFixed(0)} ms; ${latencies.length} /health probes, worst ${worst.toFixed(1)} ms`);
    assert.ok(worst < 200, `a /health probe took ${worst.toFixed(1)} ms while the replays ran`);
    for (const s of sse) s.close();
    for (const w of ws) w.sub.close();
  });
});
