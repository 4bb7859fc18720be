// #13.9: the original agentd's documented short tokens work on loopback (with a warning naming
// the risk and the fix); a weak token is refused only where it matters, on a non-loopback bind.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { api, cleanup, startDaemon, startFailure } from "../support/daemon.ts";
import { uniqueToken } from "./secrets-probe.ts";

const WARNING = /WARN\s+a bearer token is weak; acceptable on loopback only.*weakness="shorter than 16 characters".*openssl rand -base64 32/;

describe("weak tokens", { timeout: 120_000 }, () => {
  it("--auth-token token-a --auth-token token-b starts on loopback, warns, and both tokens work", async () => {
    const d = await startDaemon({ args: ["--auth-token", "token-a", "--auth-token", "token-b"] });
    try {
      assert.match(d.logs(), WARNING);
      assert.match(d.logs(), /flag="--auth-token"/);
      const a = await api(d.url, "token-a").post("/sessions", {});
      assert.equal(a.status, 201);
      assert.equal((await api(d.url, "token-b").get(`/sessions/${a.body.session.id}`)).status, 404, "token-b is another principal");
      assert.equal((await api(d.url, "token-c").get("/sessions")).status, 401);
    } finally {
      await d.stop();
      cleanup(d.dataDir);
    }
  });

  it("AGENTD_AUTH_TOKENS=token-a,token-b and a short admin token start on loopback with a warning", async () => {
    const d = await startDaemon({ args: ["--host", "localhost"], env: { AGENTD_AUTH_TOKENS: "token-a,token-b", AGENTD_ADMIN_TOKEN: "admin-1" } });
    try {
      assert.match(d.logs(), WARNING);
      assert.match(d.logs(), /flag="--admin-token"/);
      assert.equal((await api(d.url, "token-b").get("/sessions")).status, 200);
      assert.equal((await api(d.url, "admin-1").get("/sessions")).status, 200);
    } finally {
      await d.stop();
      cleanup(d.dataDir);
    }
  });

  it("a weak token on a non-loopback bind is refused, saying how to make a strong one", async () => {
    const short = await startFailure(["--host", "0.0.0.0", "--auth-token", "token-a"]);
    assert.equal(short.code, 1);
    assert.match(short.stderr, /a token \(--auth-token\) is weak \(shorter than 16 characters\) and the daemon listens on 0\.0\.0\.0, beyond this machine.*openssl rand -base64 32/);
    assert.ok(!short.stderr.includes("token-a"), "the message does not repeat the token");
    const dull = await startFailure(["--host", "0.0.0.0", "--admin-token", "a".repeat(40)]);
    assert.match(dull.stderr, /a token \(--admin-token\) is weak \(fewer than 8 distinct characters\)/);
  });

  it("a strong token on a non-loopback bind starts without the warning", async () => {
    const token = uniqueToken("strong");
    const d = await startDaemon({ args: ["--host", "0.0.0.0", "--auth-token", token] });
    try {
      assert.doesNotMatch(d.logs(), /token is weak/);
      assert.equal((await api(d.url, token).get("/sessions")).status, 200);
    } finally {
      await d.stop();
      cleanup(d.dataDir);
    }
  });
});
