import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createConnection, createServer } from "node:net";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { AGENTD_BIN, BASH, ROOT, api, cleanup, startDaemon, tempDir, type DaemonHandle } from "../support/daemon.ts";

const FAILING_START = join(ROOT, "test/fixtures/plugins/failing-start.ts");

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** Run agentd to its exit (killed after 20 s: a daemon that keeps running after "cannot start" fails the test). */
async function runToExit(args: string[]): Promise<{ code: number | null; stderr: string; hung: boolean }> {
  const proc = spawn(BASH, [AGENTD_BIN, ...args], { cwd: ROOT, env: { ...process.env, AGENTD_NODE: process.execPath }, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  proc.stdout.on("data", (d: Buffer) => (stderr += d.toString()));
  let hung = false;
  const timer = setTimeout(() => {
    hung = true;
    proc.kill("SIGKILL");
  }, 20_000);
  const code = await new Promise<number | null>((r) => proc.once("exit", (c) => r(c)));
  clearTimeout(timer);
  return { code, stderr, hung };
}

function connectRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("connect", () => (socket.destroy(), resolve(false)));
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code === "ECONNREFUSED"));
  });
}

describe("a failed start leaves no half-running daemon", () => {
  const dirs: string[] = [];
  let d: DaemonHandle | undefined;
  after(async () => {
    await d?.stop();
    for (const dir of dirs) cleanup(dir);
  });

  it("a gatewayStart tap that throws: exit non-zero, nothing listening, the database reopens with nothing but the schema", async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const port = await freePort();
    const db = join(dataDir, "agentd.db");
    const r = await runToExit(["--port", String(port), "--db", db, "--plugin", FAILING_START]);
    assert.equal(r.hung, false, `agentd kept running after a failed start:\n${r.stderr}`);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /agentd: cannot start: a gatewayStart tap failed: cannot reach the license server/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    assert.doesNotMatch(r.stderr, /agentd listening/);
    assert.equal(await connectRefused(port), true, "nothing listens on the port after the failed start");

    // The data dir is not held (no lock, storage closed) and holds nothing but migrations.
    d = await startDaemon({ dataDir, port });
    const c = api(d.url);
    const sessions = await c.get("/sessions");
    assert.equal(sessions.status, 200);
    assert.deepEqual(sessions.body.sessions, []);
    const status = await c.get("/daemon/status");
    assert.equal(status.body.daemon_health, "ok");
    // The failed start wrote the schema (and the install's key) but never an event.
    assert.equal(status.body.last_seq, 0, JSON.stringify(status.body));
    const { run } = await c.converse("Respond with exactly: started after a failed start");
    assert.equal(run.status, "completed");
    await d.stop();
    d = undefined;
  });

  it("port in use: one line on stderr naming the way out, exit non-zero, the running daemon unharmed", async () => {
    const first = await startDaemon();
    dirs.push(first.dataDir);
    d = first;
    const port = Number(new URL(first.url).port);
    const otherDir = tempDir();
    dirs.push(otherDir);
    const r = await runToExit(["--port", String(port), "--db", join(otherDir, "agentd.db")]);
    assert.equal(r.hung, false, r.stderr);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stderr.split("\n").filter((l) => l.trim() && !/"level":"|^\S+ (info|debug)/.test(l) && !/applied schema migration/.test(l));
    assert.equal(lines.length, 1, `one line, got:\n${r.stderr}`);
    assert.match(lines[0], /^agentd: cannot start: port \d+ on 127\.0\.0\.1 is in use: another agentd may be running on this port \(agentctl daemon status\); stop it or pick --port$/);
    const { run } = await api(first.url).converse("Respond with exactly: still here");
    assert.equal(run.output, "still here");
  });
});
