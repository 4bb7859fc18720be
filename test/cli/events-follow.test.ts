// `events tail --follow`: live events over SSE, and a daemon restart (same port, same data dir)
// in the middle without losing or repeating an event.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, describe, it } from "node:test";
import { AGENTCTL_BIN, ROOT, api, cleanup, startDaemon, tempDir, until, type DaemonHandle } from "../support/daemon.ts";
import { cleanEnv } from "./cli-helpers.ts";

describe("agentctl events tail --follow", () => {
  const dataDir = tempDir();
  let d: DaemonHandle | null = null;
  after(async () => {
    await d?.stop();
    cleanup(dataDir);
  });

  it("streams live events and resumes after a daemon restart with no gap and no duplicate", async () => {
    d = await startDaemon({ dataDir });
    const port = Number(new URL(d.url).port);
    const first = await api(d.url).converse("Respond with exactly: one");
    const sessionId = first.session.id as string;

    const tail = spawn(process.execPath, [AGENTCTL_BIN, "events", "tail", "--session-id", sessionId, "--follow", "--format", "json"], {
      cwd: ROOT,
      env: cleanEnv({ AGENTCTL_URL: d.url }),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    tail.stdout.on("data", (b: Buffer) => (out += b.toString()));
    tail.stderr.on("data", (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((r) => tail.once("exit", (code) => r(code)));
    const events = (): { seq: number; event_type: string; run_id: string | null }[] =>
      out.split("\n").filter(Boolean).map((l) => JSON.parse(l));
    const completed = (runId: string) => () => events().some((e) => e.event_type === "run.completed" && e.run_id === runId);

    try {
      // Replay of what happened before the tail started.
      await until(completed(first.run.id), 30_000, "replayed run.completed of the first run");
      // Live.
      const second = await api(d.url).post(`/sessions/${sessionId}/messages`, { text: "Respond with exactly: two", idempotency_key: "follow-2" });
      await until(completed(second.body.run.id), 30_000, `live run.completed of ${second.body.run.id}\nstderr: ${err}`);

      // Restart on the same port and data dir; the tail keeps running.
      await d.stop();
      await until(() => /event stream lost/.test(err), 30_000, "the tail to notice the lost stream");
      d = await startDaemon({ dataDir, port });
      const third = await api(d.url).post(`/sessions/${sessionId}/messages`, { text: "Respond with exactly: three", idempotency_key: "follow-3" });
      assert.equal(third.status, 201, JSON.stringify(third.body));
      await until(completed(third.body.run.id), 60_000, `run.completed after the restart\nstderr: ${err}`);
      assert.match(err, /event stream resumed after seq \d+/);

      const all = await api(d.url).get(`/sessions/${sessionId}/events?limit=1000`);
      const seen = events().map((e) => e.seq);
      assert.deepEqual(seen, all.body.events.map((e: { seq: number }) => e.seq), "exactly the session's events, in order, once each");
    } finally {
      tail.kill("SIGTERM");
    }
    assert.equal(await exited, 0, `tail exits cleanly on SIGTERM; stderr: ${err}`);
  });

  it("a follow on an unknown session fails at once with exit 4", async () => {
    d ??= await startDaemon({ dataDir });
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const p = spawn(process.execPath, [AGENTCTL_BIN, "events", "tail", "--session-id", "ses_nope", "--follow"], { cwd: ROOT, env: cleanEnv({ AGENTCTL_URL: d!.url }) });
      let stderr = "";
      p.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
      p.on("close", (code) => resolve({ code, stderr }));
    });
    assert.equal(r.code, 4);
    assert.match(r.stderr, /session ses_nope not found/);
  });
});
