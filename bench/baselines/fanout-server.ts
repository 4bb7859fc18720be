// Baseline for fan-out and stream memory: a bare Node server speaking agentd's stream protocol on
// /stream (SSE frames and WebSocket messages of the same shape) with no storage, no durability
// and no per-connection feed: each event is serialized once and written to every connection.
// POST /bench/produce takes the same body as the bench plugin's route.
import { createServer, type ServerResponse } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import { nowMs } from "../lib/clock.ts";

let seq = 0;
const sse = new Set<ServerResponse>();
const sockets = new Set<WebSocket>();

function publish(count: number): void {
  for (let k = 0; k < count; k++) {
    const event = { seq: ++seq, session_id: "ses_baseline", run_id: null, event_type: "bench.tick", data: { t: nowMs(), i: seq }, created_at: new Date().toISOString() };
    const json = JSON.stringify(event);
    const frame = `id: ${event.seq}\ndata: ${json}\n\n`;
    for (const res of sse) res.write(frame);
    for (const ws of sockets) ws.send(json);
  }
}

async function produce(count: number, rate: number, perTx: number): Promise<{ first_seq: number; last_seq: number; count: number; started_at: number; elapsed_ms: number }> {
  const first = seq + 1;
  const started = nowMs();
  let written = 0;
  while (written < count) {
    if (rate > 0) {
      const due = Math.min(count, Math.floor(((nowMs() - started) * rate) / 1000) + 1);
      while (written < due) {
        const n = Math.min(perTx, due - written);
        publish(n);
        written += n;
      }
      if (written < count) await new Promise((r) => setTimeout(r, 1));
    } else {
      for (let k = 0; k < 20 && written < count; k++) {
        const n = Math.min(perTx, count - written);
        publish(n);
        written += n;
      }
      await new Promise((r) => setImmediate(r));
    }
  }
  return { first_seq: first, last_seq: seq, count, started_at: started, elapsed_ms: nowMs() - started };
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://baseline.invalid");
  if (req.method === "GET" && url.pathname === "/health") return void res.end('{"ok":true}');
  if (req.method === "GET" && url.pathname === "/stream") {
    req.socket.setNoDelay(true);
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache, no-transform", connection: "close" });
    res.write(`event: ready\nid: ${seq}\ndata: ${JSON.stringify({ cursor: seq, last_seq: seq })}\n\n`);
    sse.add(res);
    res.on("close", () => sse.delete(res));
    return;
  }
  if (req.method === "POST" && url.pathname === "/bench/produce") {
    let raw = "";
    req.on("data", (d: Buffer) => (raw += d.toString()));
    req.on("end", () => {
      const body = JSON.parse(raw) as { count: number; rate?: number; per_tx?: number };
      void produce(body.count, body.rate ?? 0, body.per_tx ?? 1).then((r) => {
        res.writeHead(201, { "content-type": "application/json" });
        res.end(JSON.stringify(r));
      });
    });
    return;
  }
  res.writeHead(404).end();
});
const wss = new WebSocketServer({ server, path: "/stream" });
wss.on("connection", (ws) => {
  sockets.add(ws);
  ws.send(JSON.stringify({ type: "ready", cursor: seq, last_seq: seq }));
  ws.on("close", () => sockets.delete(ws));
  ws.on("error", () => undefined);
});
server.keepAliveTimeout = 65_000;
server.requestTimeout = 0;
server.listen(0, "127.0.0.1", () => {
  const addr = server.address();
  const port = addr && typeof addr === "object" ? addr.port : 0;
  process.stderr.write(`baseline listening url="http://127.0.0.1:${port}"\n`);
});
process.on("SIGTERM", () => process.exit(0));
