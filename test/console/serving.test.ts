// How the daemon serves the console, over plain HTTP: the redirect, the security headers (a CSP
// without inline scripts), gzip, which paths are public (only the console's static files: every
// data route still needs the token), the start log line, and --no-console / AGENTD_NO_CONSOLE.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { api, startDaemon, type DaemonHandle, type StartOptions } from "../support/daemon.ts";
import { rawGet } from "./support.ts";

const TOKEN = "serving-token-0001";
const ADMIN = "serving-admin-token-01";

describe("console serving", () => {
  let d: DaemonHandle;
  before(async () => {
    d = await startDaemon({ args: ["--auth-token", TOKEN, "--admin-token", ADMIN] });
  });
  after(async () => {
    await d?.stop();
  });

  test("the start log line prints the console URL", () => {
    assert.match(d.logs(), new RegExp(`agentd listening url="${d.url}" console="${d.url}/console"`));
  });

  test("/ redirects to /console, which is HTML with a strict CSP and no inline script", async () => {
    const root = await fetch(`${d.url}/`, { redirect: "manual" });
    assert.equal(root.status, 302);
    assert.equal(root.headers.get("location"), "/console");
    const page = await fetch(`${d.url}/console`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
    const csp = page.headers.get("content-security-policy") ?? "";
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(page.headers.get("x-content-type-options"), "nosniff");
    const html = await page.text();
    assert.doesNotMatch(html, /<script>(?!<\/script>)|<script(?![^>]*\bsrc=)[^>]*>/, "every script has a src");
    assert.doesNotMatch(html, /style=|<style/, "no inline style");
  });

  test("script and stylesheet are served gzipped with the same CSP, and are small", async () => {
    for (const [path, type] of [["/console/app.js", "text/javascript"], ["/console/app.css", "text/css"]]) {
      const gz = await rawGet(`${d.url}${path}`, { "accept-encoding": "gzip" });
      assert.equal(gz.status, 200, path);
      assert.equal(gz.headers["content-encoding"], "gzip");
      assert.match(String(gz.headers["content-type"]), new RegExp(`^${type}`));
      assert.match(String(gz.headers["content-security-policy"]), /script-src 'self'/);
      const plain = await rawGet(`${d.url}${path}`);
      assert.equal(plain.headers["content-encoding"], undefined);
      assert.ok(plain.bytes.length > gz.bytes.length);
    }
    const js = await rawGet(`${d.url}/console/app.js`, { "accept-encoding": "gzip" });
    assert.ok(js.bytes.length < 150 * 1024, `app.js is ${js.bytes.length} bytes gzipped (limit 150 KiB)`);
  });

  test("only the console's own files are public: data routes and unknown console paths need the token", async () => {
    for (const path of ["/sessions", "/daemon/status", "/console/secrets", "/console/app.js.map", "/consolex"]) {
      const r = await api(d.url).get(path);
      assert.equal(r.status, 401, `${path} without a token`);
    }
    const ticket = await api(d.url).post("/stream/tickets", {});
    assert.equal(ticket.status, 401);
    assert.equal((await api(d.url, TOKEN).get("/sessions")).status, 200);
    const status = await api(d.url, ADMIN).get("/daemon/status"); // plugins are admin detail
    assert.ok(status.body.plugins.some((p: { name: string }) => p.name === "console-web"));
  });
});

describe("console disabled", () => {
  const ways: [string, StartOptions][] = [
    ["--no-console", { args: ["--no-console"] }],
    ["AGENTD_NO_CONSOLE=1", { env: { AGENTD_NO_CONSOLE: "1" } }],
  ];
  for (const [how, opts] of ways) {
    test(`${how}: no console, no redirect, no console URL in the log`, async () => {
      const d = await startDaemon(opts);
      try {
        for (const path of ["/", "/console", "/console/app.js"]) {
          const r = await api(d.url).get(path);
          assert.equal(r.status, 404, path);
          assert.equal(r.body.error.code, "not_found");
        }
        assert.doesNotMatch(d.logs(), /console="|"console":/);
        assert.ok((await api(d.url).get("/daemon/status")).body.plugins.some((p: { name: string }) => p.name === "console-web"), "the plugin is loaded but serves nothing");
      } finally {
        await d.stop();
      }
    });
  }
});
