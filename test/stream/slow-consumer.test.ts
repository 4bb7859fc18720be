// A consumer that stops reading must not make the daemon buffer without bound: past the
// per-connection limit the server closes it (WS 4008 / SSE `event: overflow`) with the cursor to
// resume from, and resuming from that cursor delivers the rest exactly once.
import assert from "node:assert/strict";
import { get } from "node:http";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import { api, until, type DaemonHandle } from "../support/daemon.ts";
import { ADMIN, TOKEN_A, allSeqs, assertExactly, burst, newSession, record, streamDaemon } from "./support.ts";

const LIMIT = 64 * 1024;
const PAD = 4000;
const EVENTS = 1500; // ~6 MB: far beyond the limit plus what the kernel's socket buffers hold

/** Produce while sampling how many bytes the transports hold for their clients. */
async function produceAndWatch(url: string, sid: string, transport: string): Promise<number> {
  let maxBuffered = 0;
  let done = false;
  const sampler = (async () => {
    while (!done) {
      const status = await api(url, ADMIN).get("/daemon/status"); // transports are admin detail
      const t = (status.body.transports as Array<{ name: string; buffered_bytes: number }>).find((x) => x.name === transport);
      maxBuffered = Math.max(maxBuffered, t?.buffered_bytes ?? 0);
    }
  })();
  await burst(url, sid, EVENTS, { pad: PAD, per_tx: 10 });
  done = true;
  await sampler;
  console.log(`${transport}: max bytes held for the paused client ${maxBuffered}`);
  return maxBuffered;
}

describe("slow consumers", () => {
  let d: DaemonHandle;
  before(async () => {
    d = await streamDaemon({ args: ["--ws-max-buffer-bytes", String(LIMIT), "--sse-max-buffer-bytes", String(LIMIT)] });
  });
  after(async () => {
    await d?.stop();
  });

  test("WS: a paused client is closed with 4008 and its cursor; resuming from it completes the sequence", async () => {
    const sid = await newSession(d.url);
    const ws = new WebSocket(`${d.url.replace("http", "ws")}/stream?sessionId=${sid}&cursor=0`, { headers: { authorization: `Bearer ${TOKEN_A}` } });
    const seqs: number[] = [];
    let closed: { code: number; reason: string } | null = null;
    ws.on("message", (m) => {
      const f = JSON.parse(m.toString()) as { seq?: number };
      if (f.seq !== undefined) seqs.push(f.seq);
    });
    ws.on("close", (code, reason) => (closed = { code, reason: reason.toString() }));
    await new Promise((r) => ws.once("open", r));
    ws.pause(); // stop reading from the socket: the daemon's side fills up
    const maxBuffered = await produceAndWatch(d.url, sid, "ws");
    assert.ok(maxBuffered <= LIMIT + 2 * (PAD + 500), `the daemon held ${maxBuffered} bytes for one client (limit ${LIMIT})`);
    ws.resume();
    await until(() => closed !== null, 30_000, "the 4008 close");
    assert.equal(closed!.code, 4008);
    const cursor = (JSON.parse(closed!.reason) as { cursor: number }).cursor;
    assert.equal(cursor, seqs.at(-1), "the close names the last event the client was sent");
    const expected = await allSeqs(d.url, sid);
    assert.ok(seqs.length < expected.length, "the client was cut off before the end");

    const rest = record(d.url, "ws", { sessionId: sid, cursor });
    await rest.waitForSeq(expected.at(-1)!);
    assertExactly([...seqs, ...rest.seqs], expected, "paused ws client + resume");
    rest.sub.close();
  });

  test("SSE: a paused client gets a final `event: overflow` with its cursor; resuming completes the sequence", async () => {
    const sid = await newSession(d.url);
    let text = "";
    let ended = false;
    const res = await new Promise<import("node:http").IncomingMessage>((resolve) =>
      get(`${d.url}/stream?sessionId=${sid}&cursor=0`, { headers: { accept: "text/event-stream", authorization: `Bearer ${TOKEN_A}` } }, resolve),
    );
    assert.equal(res.statusCode, 200);
    res.pause();
    const maxBuffered = await produceAndWatch(d.url, sid, "sse");
    assert.ok(maxBuffered <= LIMIT + 2 * (PAD + 500), `the daemon held ${maxBuffered} bytes for one client (limit ${LIMIT})`);
    res.setEncoding("utf8");
    res.on("data", (c: string) => (text += c));
    res.on("end", () => (ended = true));
    res.on("close", () => (ended = true));
    res.resume();
    await until(() => ended, 30_000, "the stream to end");
    const frames = text.split("\n\n").filter(Boolean);
    const seqs = frames.filter((f) => f.startsWith("id: ") && !f.includes("event:")).map((f) => Number(/^id: (\d+)/.exec(f)![1]));
    const last = frames.at(-1)!;
    assert.match(last, /^event: overflow\ndata: /);
    const cursor = (JSON.parse(last.split("data: ")[1]) as { cursor: number }).cursor;
    assert.equal(cursor, seqs.at(-1));

    const expected = await allSeqs(d.url, sid);
    const rest = record(d.url, "sse", { sessionId: sid, cursor });
    await rest.waitForSeq(expected.at(-1)!);
    assertExactly([...seqs, ...rest.seqs], expected, "paused sse client + resume");
    rest.sub.close();
  });
});
