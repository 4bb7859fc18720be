// One daemon per database: a second daemon on the same --db (another port) is refused naming the
// holder, the first keeps working, a kill -9 leaves no lock behind, and `storage check` refuses
// to read files a live daemon is writing.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { agentctl } from "../cli/cli-helpers.ts";
import { api, cleanup, startDaemon, type DaemonHandle } from "../support/daemon.ts";

async function refusedStart(dataDir: string): Promise<{ code: number | null; stderr: string }> {
  try {
    const d = await startDaemon({ dataDir });
    await d.stop();
  } catch (err) {
    const e = err as { exitCode?: number | null; stderr?: string };
    if (e.stderr !== undefined) return { code: e.exitCode ?? null, stderr: e.stderr };
    throw err;
  }
  throw new Error("a second daemon started on a database another daemon holds");
}

describe("data dir lock", () => {
  const running: DaemonHandle[] = [];
  after(async () => {
    for (const d of running) await d.stop();
    if (running[0]) cleanup(running[0].dataDir);
  });

  it("refuses a second daemon, keeps the first working, and recovers from kill -9 without manual steps", async () => {
    const first = await startDaemon();
    running.push(first);
    const c1 = api(first.url);
    const before = await c1.post("/sessions", { title: "before the second daemon" });
    assert.equal(before.status, 201);

    const second = await refusedStart(first.dataDir);
    assert.notEqual(second.code, 0);
    assert.match(second.stderr, new RegExp(`the database is in use: agentd pid ${first.proc.pid} on host \\S+ \\(started `));
    assert.match(second.stderr, /Stop it first \(kill -TERM \d+\)/);
    assert.equal(second.stderr.trim().split("\n").filter((l) => l.startsWith("agentd: cannot start")).length, 1, "one line, no stack");
    assert.doesNotMatch(second.stderr, /\n\s+at /, "no stack trace");
    const holder = JSON.parse(readFileSync(`${first.db}.lock`, "utf8"));
    assert.equal(holder.pid, first.proc.pid, "the refused daemon did not overwrite the holder");

    // The first daemon is unharmed: it still writes, and its seq is its own.
    const during = await c1.post("/sessions", { title: "after the refusal" });
    assert.equal(during.status, 201);

    // storage check refuses to read files the live daemon is writing.
    const check = await agentctl(["storage", "check", "--db", first.db]);
    assert.equal(check.code, 1);
    assert.match(check.stderr, new RegExp(`while a daemon writes it: agentd pid ${first.proc.pid}`));

    await first.kill9();
    const next = await startDaemon({ dataDir: first.dataDir });
    running.push(next);
    const c2 = api(next.url);
    for (const s of [before, during]) assert.equal((await c2.get(`/sessions/${s.body.session.id}`)).status, 200, "acknowledged sessions survived");
    assert.equal(JSON.parse(readFileSync(`${first.db}.lock`, "utf8")).pid, next.proc.pid);
    const third = await refusedStart(first.dataDir);
    assert.match(third.stderr, new RegExp(`agentd pid ${next.proc.pid} `), "the new holder is protected in turn");

    await next.stop();
    const ok = await agentctl(["--format", "json", "storage", "check", "--db", first.db]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(JSON.parse(ok.stdout).counts.sessions, 2);
  });
});

describe("data dir lock without the flock binary", () => {
  it("falls back to the pid in the lock file, with a warning, and still refuses a second daemon", async () => {
    const env = { PATH: "/nonexistent" }; // no flock (nor anything else) on PATH
    const first = await startDaemon({ env });
    try {
      assert.match(first.logs(), /flock \(util-linux\) is not installed/);
      let refused: { exitCode?: number; stderr?: string } | null = null;
      await startDaemon({ dataDir: first.dataDir, env }).then(
        (d) => d.stop(),
        (err: { exitCode?: number; stderr?: string }) => (refused = err),
      );
      assert.ok(refused, "the second daemon was refused");
      assert.match(String((refused as { stderr?: string }).stderr), new RegExp(`agentd pid ${first.proc.pid} `));
      await first.kill9();
      const next = await startDaemon({ dataDir: first.dataDir, env });
      await next.stop();
    } finally {
      await first.stop();
      cleanup(first.dataDir);
    }
  });
});
