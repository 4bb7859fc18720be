// Issue #13 item 3: clients that open sockets, send headers with a big Content-Length and one
// byte, and wait, used to hold every file descriptor (/health and every route failed). Each client
// here is a raw socket from its own loopback address (127.0.0.2, .3...: per-IP caps apply); probes
// come from 127.0.0.1 with a client that does not retry (Node's fetch hides resets by retrying).
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import WebSocket from "ws";
import { AGENTD_BIN, api, BASH, cleanup, listeningUrl, ROOT, startDaemon, tempDir, type DaemonHandle } from "../support/daemon.ts";
import { rawRequest } from "./http-raw.ts";

const TOKEN = "slowloris-token-1";
const FAST = ["--headers-timeout-ms", "1000", "--request-timeout-ms", "3000"];

interface SlowSocket {
  data: string;
  closed: boolean;
  close: Promise<void>;
}

/** Headers promising a 500 kB body, then one byte of it, then nothing. */
function slowSocket(url: string, localAddress: string, authenticated: boolean): SlowSocket {
  const { hostname, port } = new URL(url);
  const s: SlowSocket = { data: "", closed: false, close: Promise.resolve() };
  const socket: Socket = connect({ host: hostname, port: Number(port), localAddress });
  socket.on("error", () => undefined); // a refused socket is reset
  socket.on("data", (c: Buffer) => (s.data += c.toString()));
  s.close = new Promise((resolve) => socket.once("close", () => resolve(void (s.closed = true))));
  socket.write(
    `POST /sessions HTTP/1.1\r\nHost: ${hostname}:${port}\r\n${authenticated ? `Authorization: Bearer ${TOKEN}\r\n` : ""}` +
      "Content-Type: application/json\r\nContent-Length: 500000\r\n\r\n{",
  );
  return s;
}

function slowSockets(url: string, localAddress: string, n: number, authenticated = true): SlowSocket[] {
  return Array.from({ length: n }, () => slowSocket(url, localAddress, authenticated));
}

/** Resolves once `n` of the sockets have closed. */
function closes(sockets: readonly SlowSocket[], n: number): Promise<void> {
  let count = 0;
  return new Promise((resolve) => {
    if (n === 0) resolve();
    for (const s of sockets) void s.close.then(() => ++count === n && resolve());
  });
}

/** /health and an authenticated route answer, from 127.0.0.1, each on a fresh connection. */
async function probe(url: string): Promise<void> {
  const health = await rawRequest(url, { path: "/health", localAddress: "127.0.0.1", timeoutMs: 5_000 });
  assert.equal(health.status, 200, health.text);
  const sessions = await rawRequest(url, { path: "/sessions", localAddress: "127.0.0.1", headers: { authorization: `Bearer ${TOKEN}` }, timeoutMs: 5_000 });
  assert.equal(sessions.status, 200, sessions.text);
}

/** agentd under `ulimit -n <limit>` (a bash wrapper), started like test/support/daemon.ts does. */
async function startWithFileLimit(limit: number, args: string[]): Promise<{ url: string; proc: ChildProcess; dir: string }> {
  const dir = tempDir();
  const proc = spawn("bash", ["-c", `ulimit -n ${limit} && exec "$0" "$@"`, BASH, AGENTD_BIN, "--port", "0", "--db", join(dir, "agentd.db"), ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    proc.stderr!.on("data", (c: Buffer) => {
      out += c.toString();
      const listening = listeningUrl(out);
      if (listening) resolve(listening);
    });
    proc.once("exit", (code) => reject(new Error(`agentd exited with ${code}:\n${out}`)));
  });
  return { url, proc, dir };
}

describe("connection exhaustion", () => {
  const daemons: DaemonHandle[] = [];
  after(async () => {
    for (const d of daemons) {
      await d.stop();
      cleanup(d.dataDir);
    }
  });

  test("one client over its per-IP cap is cut at once; the rest are closed by the request timeout; streams and waits live on", { timeout: 60_000 }, async () => {
    const d = await startDaemon({ args: ["--plugin", "./test/fixtures/plugins/slow-provider.ts", "--auth-token", TOKEN, "--max-connections-per-ip", "20", ...FAST] });
    daemons.push(d);
    const a = api(d.url, TOKEN);
    const session = (await a.post("/sessions", { provider: "slow" })).body.session.id as string;
    const run = (await a.post("/runs", { session_id: session, prompt: "sleep 600000" })).body.run.id as string;

    // A stream over each transport and a long-poll, open across the whole attack.
    const sse = await fetch(`${d.url}/stream?sessionId=${session}`, { headers: { accept: "text/event-stream", authorization: `Bearer ${TOKEN}` } });
    assert.equal(sse.status, 200);
    let sseText = "";
    const sseSawCancel = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of sse.body!) {
        sseText += decoder.decode(chunk as Uint8Array, { stream: true });
        if (sseText.includes("run.canceled")) return;
      }
      throw new Error(`the SSE stream ended before run.canceled:\n${sseText}`);
    })();
    const ws = new WebSocket(`${d.url.replace("http", "ws")}/stream?sessionId=${session}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const wsSawCancel = new Promise<void>((resolve, reject) => {
      ws.on("message", (m) => String(m).includes("run.canceled") && resolve());
      ws.on("close", (code) => reject(new Error(`the WebSocket closed (${code}) before run.canceled`)));
    });
    await new Promise((r) => ws.once("open", r));
    const wait = a.get(`/runs/${run}/wait?timeout_s=120`);

    // 30 slow uploads from one address: 10 over the cap are closed at once, unanswered.
    const held = slowSockets(d.url, "127.0.0.2", 30);
    await closes(held, 10);
    // Unauthenticated slow uploads get their 401 without the daemon waiting for the body.
    const anonymous = slowSockets(d.url, "127.0.0.3", 5, false);
    await closes(anonymous, anonymous.length);
    for (const s of anonymous) {
      assert.match(s.data, /^HTTP\/1\.1 401 /);
      assert.match(s.data, /WWW-Authenticate: Bearer realm="agentd"/i);
    }
    await probe(d.url);
    assert.equal(held.filter((s) => s.closed).length, 10, "the 20 accepted uploads were still held while everyone else got answers");
    assert.ok(held.filter((s) => s.closed).every((s) => s.data === ""), "refused sockets got no answer");

    // The request timeout closes the 20 held uploads, each with a 408.
    await closes(held, 30);
    const timedOut = held.filter((s) => s.data !== "");
    assert.equal(timedOut.length, 20);
    for (const s of timedOut) assert.match(s.data, /^HTTP\/1\.1 408 [\s\S]*"request_timeout"/);

    // Past the request timeout, the streams and the long-poll still work.
    const canceled = await a.post(`/runs/${run}/cancel`, { reason: "done" });
    assert.equal(canceled.status, 200, JSON.stringify(canceled.body));
    const waited = await wait;
    assert.equal(waited.status, 200);
    assert.equal(waited.body.run.status, "canceled");
    await Promise.all([sseSawCancel, wsSawCancel]);
    ws.close();
    await sse.body!.cancel().catch(() => undefined);
  });

  test("at the total cap, a loopback operator still gets /health and the API (a small reserve)", { timeout: 60_000 }, async () => {
    const d = await startDaemon({ args: ["--auth-token", TOKEN, "--max-connections", "30", ...FAST] });
    daemons.push(d);
    const full = [...slowSockets(d.url, "127.0.0.2", 15), ...slowSockets(d.url, "127.0.0.3", 15)];
    // The accept queue is first in, first out: once a later probe is answered, all 30 are in.
    await probe(d.url);
    assert.equal(full.filter((s) => s.closed).length, 0);
    // Past the cap, each loopback peer gets at most 4 of the 16 reserve slots; the rest are cut.
    const late = slowSockets(d.url, "127.0.0.4", 10);
    await closes(late, 6);
    await probe(d.url);
    assert.equal(late.filter((s) => s.closed).length, 6);
    assert.equal(full.filter((s) => s.closed).length, 0, "the 30 accepted uploads are still held");
    const held = [...full, ...late];
    await closes(held, held.length);
    assert.equal(held.filter((s) => /^HTTP\/1\.1 408 /.test(s.data)).length, 34);
    await probe(d.url);
  });

  test("with ulimit -n 256 and the default caps, 300 slow uploads leave /health and the API answering", { timeout: 60_000 }, async () => {
    const { url, proc, dir } = await startWithFileLimit(256, ["--auth-token", TOKEN, "--request-timeout-ms", "3000"]);
    try {
      const held = ["127.0.0.2", "127.0.0.3", "127.0.0.4"].flatMap((ip) => slowSockets(url, ip, 100));
      // The default cap is 3/4 of the file limit minus 32: 160 connections, plus at most 4 reserve
      // slots for each of the two peers that may arrive after it is full; the rest are cut at once.
      await closes(held, 300 - 168);
      await probe(url);
      const cut = held.filter((s) => s.closed).length;
      assert.ok(cut >= 132 && cut <= 140, `${cut} cut`);
      await closes(held, held.length);
      assert.equal(held.filter((s) => /^HTTP\/1\.1 408 /.test(s.data)).length, 300 - cut, "every accepted upload got a 408");
      await probe(url);
    } finally {
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGTERM");
      await exited;
      cleanup(dir);
    }
  });
});
