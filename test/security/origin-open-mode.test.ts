// Issue #13 item 2: no web page drives the daemon. A page can send simple (text/plain, untyped)
// POSTs cross-origin, open an EventSource or a WebSocket to any origin, and re-point its own DNS
// name at 127.0.0.1 (rebinding). Each of those is tried here against the real daemon.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import WebSocket from "ws";
import { AGENTD_BIN, api, BASH, cleanup, ROOT, startDaemon, startFailure, tempDir, type DaemonHandle } from "../support/daemon.ts";
import { rawRequest, rawUpgrade } from "./http-raw.ts";

const EVIL = "http://evil.example";
const UI = "http://ui.example:3000";

async function sessionTitles(url: string): Promise<string[]> {
  const list = await api(url).get("/sessions?limit=500");
  assert.equal(list.status, 200, JSON.stringify(list.body));
  return (list.body.sessions as Array<{ title: string | null }>).map((s) => s.title ?? "");
}

/** Open a WebSocket with the `ws` client; resolves with 101 or the refusal status. */
function wsStatus(url: string, options: WebSocket.ClientOptions = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/stream`, options);
    ws.on("open", () => {
      ws.close();
      resolve(101);
    });
    ws.on("unexpected-response", (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    ws.on("error", () => undefined);
  });
}

describe("open mode (no token): a web page cannot drive the daemon", () => {
  let d: DaemonHandle;
  let port: string;
  before(async () => {
    d = await startDaemon();
    port = new URL(d.url).port;
  });
  after(async () => {
    await d?.stop();
    cleanup(d.dataDir);
  });

  test("a body must be JSON: text/plain and untyped bodies get 415 and create nothing; no body still works", async () => {
    for (const [path, body] of [
      ["/sessions", JSON.stringify({ title: "csrf-session" })],
      ["/runs", JSON.stringify({ session_id: "ses_x", prompt: "csrf-run" })],
    ]) {
      for (const headers of [{ "content-type": "text/plain;charset=UTF-8" }, { "content-type": "application/x-www-form-urlencoded" }, {} as Record<string, string>]) {
        const res = await rawRequest(d.url, { method: "POST", path, headers, body });
        assert.equal(res.status, 415, `${path} ${JSON.stringify(headers)}: ${res.text}`);
        assert.equal(res.json.error?.code, "unsupported_media_type");
        assert.match(res.json.error!.message, /Content-Type: application\/json/);
      }
    }
    assert.ok(!(await sessionTitles(d.url)).includes("csrf-session"), "no session was created");
    // An empty body needs no content-type (routes whose fields are all optional).
    const empty = await rawRequest(d.url, { method: "POST", path: "/sessions" });
    assert.equal(empty.status, 201, empty.text);
    const json = await rawRequest(d.url, { method: "POST", path: "/sessions", headers: { "content-type": "application/json; charset=utf-8" }, body: '{"title":"typed"}' });
    assert.equal(json.status, 201, json.text);
  });

  test("a foreign Origin is refused on REST, SSE and WebSocket; no Origin and the daemon's own origin pass", async () => {
    const rest = await rawRequest(d.url, { path: "/sessions", headers: { origin: EVIL } });
    assert.equal(rest.status, 403, rest.text);
    assert.equal(rest.json.error?.code, "origin_not_allowed");
    assert.match(rest.json.error!.message, /--allowed-origin http:\/\/evil\.example/);
    const post = await rawRequest(d.url, { method: "POST", path: "/sessions", headers: { origin: EVIL, "content-type": "application/json" }, body: '{"title":"from-evil"}' });
    assert.equal(post.status, 403, post.text);
    assert.ok(!(await sessionTitles(d.url)).includes("from-evil"));
    assert.equal((await rawRequest(d.url, { path: "/health", headers: { origin: EVIL } })).status, 403, "even /health");

    const sse = await rawRequest(d.url, { path: "/stream", headers: { accept: "text/event-stream", origin: EVIL } });
    assert.equal(sse.status, 403);
    assert.equal(sse.headers["access-control-allow-origin"], undefined);
    assert.equal(await wsStatus(d.url, { origin: EVIL }), 403, "a WebSocket from a foreign page is refused before the upgrade");
    assert.equal(await wsStatus(d.url, { origin: "null" }), 403, "an opaque origin (sandboxed iframe, file://) too");

    // No Origin: curl, SDKs, the CLI. SSE sends no wildcard CORS header any more.
    const plain = await rawRequest(d.url, { path: "/stream", headers: { accept: "text/event-stream" } });
    assert.equal(plain.status, 200);
    assert.equal(plain.headers["access-control-allow-origin"], undefined, "no Access-Control-Allow-Origin: * on a transcript");
    assert.equal(await wsStatus(d.url), 101);

    // Same origin: a page the daemon serves itself (the web console), by any loopback name.
    for (const own of [d.url, `http://localhost:${port}`]) {
      const host = new URL(own).host;
      assert.equal((await rawRequest(d.url, { path: "/sessions", headers: { origin: own, host } })).status, 200, own);
      const s = await rawRequest(d.url, { method: "POST", path: "/sessions", headers: { origin: own, host, "content-type": "application/json" }, body: "{}" });
      assert.equal(s.status, 201, s.text);
      assert.equal((await rawRequest(d.url, { path: "/stream", headers: { origin: own, host, accept: "text/event-stream" } })).status, 200);
      assert.equal((await rawUpgrade(d.url, "/stream", { origin: own, host })).status, 101);
    }
    assert.equal(await wsStatus(d.url, { origin: d.url }), 101);
  });

  test("DNS rebinding: a request addressed to a non-loopback name is refused (421) on REST, SSE and WebSocket", async () => {
    const host = `rebind.example:${port}`;
    for (const path of ["/health", "/sessions"]) {
      const res = await rawRequest(d.url, { path, headers: { host } });
      assert.equal(res.status, 421, `${path}: ${res.text}`);
      assert.equal(res.json.error?.code, "host_not_allowed");
      assert.match(res.json.error!.message, /127\.0\.0\.1.*--auth-token/);
    }
    // The rebinding page's Origin matches its Host; that must not make it "same origin".
    const same = await rawRequest(d.url, { method: "POST", path: "/sessions", headers: { host, origin: `http://${host}`, "content-type": "application/json" }, body: '{"title":"rebound"}' });
    assert.equal(same.status, 421);
    assert.ok(!(await sessionTitles(d.url)).includes("rebound"));
    assert.equal((await rawRequest(d.url, { path: "/stream", headers: { host, accept: "text/event-stream" } })).status, 421);
    const ws = await rawUpgrade(d.url, "/stream", { host });
    assert.equal(ws.status, 421);
    assert.equal(ws.json.error?.code, "host_not_allowed");
    for (const ok of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, "localhost"]) {
      assert.equal((await rawRequest(d.url, { path: "/health", headers: { host: ok } })).status, 200, ok);
    }
  });
});

describe("--allowed-origin", () => {
  let d: DaemonHandle;
  before(async () => {
    d = await startDaemon({ args: ["--allowed-origin", UI, "--allowed-origin", "https://second.example/"] });
  });
  after(async () => {
    await d?.stop();
    cleanup(d.dataDir);
  });

  test("an allowed origin gets its own origin echoed (never *), with Vary: Origin, on REST, preflight and SSE; others stay refused", async () => {
    const rest = await rawRequest(d.url, { path: "/sessions", headers: { origin: UI } });
    assert.equal(rest.status, 200);
    assert.equal(rest.headers["access-control-allow-origin"], UI);
    assert.match(String(rest.headers.vary), /origin/i);
    // The browser's preflight for a JSON POST carries no token and must not need one.
    const preflight = await rawRequest(d.url, { method: "OPTIONS", path: "/sessions", headers: { origin: UI, "access-control-request-method": "POST", "access-control-request-headers": "content-type, authorization" } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers["access-control-allow-origin"], UI);
    assert.match(String(preflight.headers["access-control-allow-headers"]), /authorization/);
    assert.match(String(preflight.headers["access-control-allow-headers"]), /content-type/);
    const sse = await rawRequest(d.url, { path: "/stream", headers: { origin: UI, accept: "text/event-stream" } });
    assert.equal(sse.status, 200);
    assert.equal(sse.headers["access-control-allow-origin"], UI);
    assert.match(String(sse.headers.vary), /origin/i);
    assert.equal(await wsStatus(d.url, { origin: UI }), 101);
    // The trailing slash in the flag is normalized away.
    assert.equal((await rawRequest(d.url, { path: "/sessions", headers: { origin: "https://second.example" } })).status, 200);
    assert.equal((await rawRequest(d.url, { path: "/sessions", headers: { origin: "http://ui.example:3001" } })).status, 403, "another port is another origin");
    assert.equal((await rawRequest(d.url, { method: "OPTIONS", path: "/sessions", headers: { origin: EVIL, "access-control-request-method": "POST" } })).status, 403);
  });

  test("the env list and the config file key work too; a malformed origin refuses to start, naming the value", async () => {
    const e = await startDaemon({ env: { AGENTD_ALLOWED_ORIGINS: "http://a.example, https://b.example:8443" } });
    try {
      assert.equal((await rawRequest(e.url, { path: "/health", headers: { origin: "https://b.example:8443" } })).status, 200);
      assert.equal((await rawRequest(e.url, { path: "/health", headers: { origin: "http://a.example" } })).status, 200);
      assert.equal((await rawRequest(e.url, { path: "/health", headers: { origin: UI } })).status, 403);
    } finally {
      await e.stop();
      cleanup(e.dataDir);
    }
    const dir = tempDir();
    const file = join(dir, "agentd.json");
    writeFileSync(file, JSON.stringify({ allowedOrigins: ["http://from-file.example"] }));
    const c = await startDaemon({ dataDir: dir, args: ["--config", file] });
    try {
      assert.equal((await rawRequest(c.url, { path: "/health", headers: { origin: "http://from-file.example" } })).status, 200);
    } finally {
      await c.stop();
      cleanup(dir);
    }
    const bad = await startFailure(["--allowed-origin", "ui.example/app"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--allowed-origin expects a web origin like https:\/\/ui\.example\.com.*got "ui\.example\/app"/);
    // The old wildcard switch is gone; using it says what replaced it.
    const old = await startFailure(["--sse-allow-origin", "*"]);
    assert.equal(old.code, 1);
    assert.match(old.stderr, /--sse-allow-origin .* was removed: .* --allowed-origin URL/);
  });
});

describe("token mode: the Origin rule still holds; the Host is free (a token defeats rebinding)", () => {
  test("a foreign Origin with a valid token is refused; any Host is accepted", async () => {
    const token = "origin-test-token-1";
    const d = await startDaemon({ args: ["--auth-token", token] });
    try {
      const auth = { authorization: `Bearer ${token}` };
      assert.equal((await rawRequest(d.url, { path: "/sessions", headers: { ...auth, origin: EVIL } })).status, 403);
      assert.equal(await wsStatus(d.url, { origin: EVIL, headers: auth }), 403);
      assert.equal((await rawRequest(d.url, { path: "/sessions", headers: { ...auth, host: "agentd.internal.example" } })).status, 200);
      // Behind a proxy that keeps the Host, the page it serves is same-origin, https included.
      assert.equal((await rawRequest(d.url, { path: "/sessions", headers: { ...auth, host: "agentd.internal.example", origin: "https://agentd.internal.example" } })).status, 200);
    } finally {
      await d.stop();
      cleanup(d.dataDir);
    }
  });
});

describe("binding beyond loopback with no token", () => {
  test("--host 0.0.0.0 without a token refuses to start, naming the fixes", async () => {
    const r = await startFailure(["--host", "0.0.0.0"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refusing to listen on 0\.0\.0\.0 with no token/);
    assert.match(r.stderr, /--auth-token/);
    assert.match(r.stderr, /--insecure-open/);
    assert.doesNotMatch(r.stderr, /agentd listening/);
  });

  // Inside a fresh network namespace 0.0.0.0 reaches nothing but the namespace's own loopback.
  test("--insecure-open starts with a loud warning (in a private network namespace)", async () => {
    const dir = tempDir();
    try {
      const proc = spawn("unshare", ["-rn", BASH, AGENTD_BIN, "--host", "0.0.0.0", "--port", "0", "--insecure-open", "--db", join(dir, "a.db")], { cwd: ROOT, env: { ...process.env, AGENTD_LOG_FORMAT: "text" }, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
      await new Promise<void>((resolve, reject) => {
        proc.once("error", (err) => reject(new Error(`this test needs unshare (util-linux): ${err.message}`)));
        const onData = (c: Buffer): void => {
          out += c.toString();
          if (out.includes("agentd listening")) resolve();
        };
        proc.stderr!.on("data", onData);
        proc.stdout!.on("data", onData);
        void exited.then((code) => reject(new Error(`agentd exited with ${code}:\n${out}`)));
      });
      proc.kill("SIGTERM");
      await exited;
      assert.match(out, /WARN.*INSECURE: agentd listens on 0\.0\.0\.0 with no token \(--insecure-open\)/);
    } finally {
      cleanup(dir);
    }
  });
});
