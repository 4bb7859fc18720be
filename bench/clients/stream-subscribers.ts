// A child process holding many stream subscribers (raw SSE over node:http, WebSocket over `ws`),
// so receiving and parsing do not share the suite's event loop. Driven over IPC:
//   parent -> {type:"start", ...StartMessage}   child -> {type:"open"} once every stream is live
//   parent -> {type:"collect", timeoutMs}       child -> {type:"stats", ...}; then it exits
// Each received `bench.tick` event's latency is receipt time minus the append stamp in data.t.
import { request } from "node:http";
import { WebSocket } from "ws";
import { nowMs } from "../lib/clock.ts";
import { Histogram } from "../lib/stats.ts";

export interface StartMessage {
  url: string;
  sessionId?: string;
  /** Deliver events after this seq. */
  cursor?: number;
  sse: number;
  ws: number;
  /** bench.tick events each stream must receive. */
  expected: number;
}

export interface StreamStats {
  type: "stats";
  streams: number;
  expected: number;
  received: number;
  lost: number;
  duplicated: number;
  errors: string[];
  firstReceipt: number | null;
  lastReceipt: number | null;
  latency: Array<[number, number]>;
  latencyMax: number;
}

interface Stream {
  opened: boolean;
  lastSeq: number;
  count: number;
  duplicated: number;
  close(): void;
}

const hist = new Histogram();
const streams: Stream[] = [];
const errors: string[] = [];
let firstReceipt: number | null = null;
let lastReceipt: number | null = null;
let expected = 0;
let waiting: (() => void) | null = null;

function onEvent(s: Stream, event: { seq: number; event_type: string; data: { t: number } }): void {
  if (event.event_type !== "bench.tick") return;
  const t = nowMs();
  firstReceipt ??= t;
  lastReceipt = t;
  hist.record(t - event.data.t);
  if (event.seq <= s.lastSeq) s.duplicated++;
  else {
    s.lastSeq = event.seq;
    s.count++;
  }
  if (waiting && s.count >= expected) check();
}

function check(): void {
  if (waiting && streams.every((s) => s.count >= expected)) waiting();
}

function query(m: StartMessage): string {
  const q = new URLSearchParams();
  if (m.sessionId) q.set("sessionId", m.sessionId);
  if (m.cursor !== undefined) q.set("cursor", String(m.cursor));
  const s = q.toString();
  return s ? `/stream?${s}` : "/stream";
}

function openSse(m: StartMessage): Stream {
  const s: Stream = { opened: false, lastSeq: 0, count: 0, duplicated: 0, close: () => req.destroy() };
  const req = request(m.url + query(m), { agent: false, headers: { accept: "text/event-stream" } }, (res) => {
    if (res.statusCode !== 200) errors.push(`SSE answered ${res.statusCode}`);
    res.setEncoding("utf8");
    let buf = "";
    res.on("data", (chunk: string) => {
      buf += chunk;
      let end: number;
      while ((end = buf.indexOf("\n\n")) !== -1) {
        const frame = buf.slice(0, end);
        buf = buf.slice(end + 2);
        if (frame.includes("event: ready")) s.opened = true;
        else if (/^event: (overflow|shutdown|dropped|error)/.test(frame)) errors.push(`SSE closed by the server: ${frame.replace(/\n/g, " ")}`);
        else if (!frame.startsWith("event:") || frame.startsWith("event: message")) {
          const at = frame.indexOf("data: ");
          if (at !== -1) onEvent(s, JSON.parse(frame.slice(at + 6)));
        }
      }
    });
    res.on("error", (e) => errors.push(`SSE: ${e.message}`));
  });
  req.on("error", (e) => errors.push(`SSE: ${e.message}`));
  req.end();
  return s;
}

function openWs(m: StartMessage): Stream {
  const ws = new WebSocket(m.url.replace(/^http/, "ws") + query(m));
  const s: Stream = { opened: false, lastSeq: 0, count: 0, duplicated: 0, close: () => ws.terminate() };
  ws.on("message", (data: Buffer) => {
    const msg = JSON.parse(data.toString()) as { type?: string; seq: number; event_type: string; data: { t: number } };
    if (msg.type === "ready") s.opened = true;
    else onEvent(s, msg);
  });
  ws.on("error", (e) => errors.push(`WS: ${e.message}`));
  ws.on("close", (code, reason) => code !== 1005 && code !== 1006 && errors.push(`WS closed by the server: ${code} ${reason.toString()}`));
  return s;
}

async function until(fn: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

process.on("message", async (msg: { type: string } & Partial<StartMessage> & { timeoutMs?: number }) => {
  if (msg.type === "start") {
    const m = msg as StartMessage;
    expected = m.expected;
    // Open in small batches: hundreds of simultaneous handshakes overflow the accept backlog.
    for (let i = 0; i < m.sse + m.ws; i++) {
      streams.push(i < m.sse ? openSse(m) : openWs(m));
      if (i % 50 === 49) await until(() => streams.every((s) => s.opened), 30_000);
    }
    if (!(await until(() => streams.every((s) => s.opened), 60_000))) errors.push(`only ${streams.filter((s) => s.opened).length} of ${streams.length} streams opened`);
    process.send!({ type: "open" });
  } else if (msg.type === "collect") {
    await new Promise<void>((resolve) => {
      waiting = resolve;
      check();
      setTimeout(resolve, msg.timeoutMs ?? 60_000);
    });
    const received = streams.reduce((n, s) => n + s.count, 0);
    const stats: StreamStats = {
      type: "stats",
      streams: streams.length,
      expected,
      received,
      lost: streams.reduce((n, s) => n + Math.max(0, expected - s.count), 0),
      duplicated: streams.reduce((n, s) => n + s.duplicated, 0),
      errors: errors.slice(0, 10),
      firstReceipt,
      lastReceipt,
      latency: hist.toSparse(),
      latencyMax: hist.max,
    };
    for (const s of streams) s.close();
    process.send!(stats, () => process.exit(0));
  }
});
