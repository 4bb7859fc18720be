// Two codex behaviours the real binary cannot be made to show on demand here: answering a resume
// with another thread, and crashing on a signal. A stand-in script (fixtures/fake-codex.sh) plays
// codex through the real daemon; it echoes its argv so we see exactly what the provider asked.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { api, cleanup, startDaemon, until, type DaemonHandle } from "../support/daemon.ts";
import { processesMatching } from "./codex-harness.ts";

const FAKE_CODEX = join(import.meta.dirname, "fixtures", "fake-codex.sh");
type Client = ReturnType<typeof api>;

describe("codex provider: thread mismatch and crashes (stand-in codex)", () => {
  let daemon: DaemonHandle;
  let client: Client;
  before(async () => {
    daemon = await startDaemon({ args: ["--codex-bin", FAKE_CODEX] });
    client = api(daemon.url);
  });
  after(async () => {
    await daemon?.stop();
    if (daemon) cleanup(daemon.dataDir);
  });

  const send = async (sessionId: string, text: string): Promise<Record<string, any>> => {
    const m = await client.post(`/sessions/${sessionId}/messages`, { text, idempotency_key: `k-${Math.random()}` });
    assert.equal(m.status, 201, JSON.stringify(m.body));
    const w = await client.get(`/runs/${m.body.run.id}/wait?timeout_s=60`);
    assert.equal(w.body.timed_out, false);
    return w.body.run;
  };
  const eventsOf = async (sessionId: string, runId: string) =>
    ((await client.get(`/sessions/${sessionId}/events?cursor=0&limit=1000`)).body.events as Array<{ run_id: string; event_type: string; data: Record<string, any> }>).filter((e) => e.run_id === runId);

  it("a resume answered by another thread fails the run, reports both ids and stores the new one", async () => {
    const sessionId = (await client.post("/sessions", { provider: "codex" })).body.session.id as string;
    const first = await send(sessionId, "hello");
    assert.equal(first.status, "completed", first.error);
    assert.doesNotMatch(first.output, / resume /, "a first turn starts a thread");
    const t1 = (await eventsOf(sessionId, first.id)).find((e) => e.event_type === "codex.thread_started")!.data.thread_id as string;

    const second = await send(sessionId, "again");
    assert.match((await eventsOf(sessionId, second.id)).find((e) => e.event_type === "agent.message")!.data.text, new RegExp(` resume ${t1} -- again`));
    assert.equal(second.status, "failed");
    assert.match(second.error, new RegExp(`codex did not resume thread ${t1}: it answered in a new thread (fake-thread-\\d+)`));
    const t2 = /new thread (\S+)/.exec(second.error)![1];
    const mismatch = (await eventsOf(sessionId, second.id)).find((e) => e.event_type === "codex.thread_mismatch");
    assert.deepEqual(mismatch?.data, { requested_thread_id: t1, thread_id: t2 });

    const third = await send(sessionId, "once more");
    assert.match(third.error, new RegExp(`did not resume thread ${t2}`), "the new thread was stored and is the one resumed next");
  });

  it("a crash (killed by a signal) fails the run with the signal and codex's stderr, leaving no command behind", async () => {
    const seconds = `5${Math.floor(1000 + Math.random() * 8000)}`;
    const sessionId = (await client.post("/sessions", { provider: "codex" })).body.session.id as string;
    const run = await send(sessionId, `crash ${seconds}`);
    assert.equal(run.status, "failed");
    assert.match(run.error, /^codex was killed by SIGSEGV; codex stderr: .*fatal: the fake codex crashed on purpose/);
    try {
      await until(() => !processesMatching(`sleep ${seconds}`).some((p) => p.cmdline === `sleep ${seconds}`), 10_000, "the crashed codex's command to be killed");
    } finally {
      for (const p of processesMatching(`sleep ${seconds}`)) process.kill(p.pid, "SIGKILL");
    }
  });
});
