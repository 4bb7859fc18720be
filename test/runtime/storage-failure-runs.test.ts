import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { subscribe } from "../../core/src/client/subscribe.ts";
import type { AgentEvent } from "../../core/src/types.ts";
import { api, cleanup, startDaemon, tempDir, until, type DaemonHandle } from "../support/daemon.ts";
import { fillDisk, mountTmpfs } from "../support/disk.ts";

const ARGS = ["--plugin", "./test/fixtures/plugins/child-process-provider.ts", "--max-concurrency", "2", "--max-queued-per-session", "1", "--checkpoint-interval-ms", "600000"];
const TERMINAL = new Set(["run.completed", "run.failed", "run.canceled"]);

describe("a storage failure mid-run strands no run", () => {
  const mountDir = tempDir("agentd-tmpfs-");
  const gateDir = tempDir("agentd-gate-");
  let mounted = false;
  let d: DaemonHandle | undefined;
  before(() => {
    mounted = mountTmpfs(mountDir, "2m");
  });
  after(async () => {
    await d?.stop();
    if (mounted) execFileSync("umount", ["-l", mountDir]);
    rmSync(mountDir, { recursive: true, force: true });
    cleanup(gateDir);
  });

  it("runs that end and runs queued while the disk is full all end visibly once it frees, without a restart", async (t) => {
    if (!mounted) {
      if (process.env.CI) assert.fail("CI must be able to mount a tmpfs (runs as root)");
      t.skip("cannot mount a tmpfs here (needs root)");
      return;
    }
    const dataDir = join(mountDir, "data");
    mkdirSync(dataDir);
    d = await startDaemon({ dataDir, args: ARGS });
    const c = api(d.url);
    const gate = join(gateDir, "go");
    let key = 0;
    const send = async (sessionId: string, text: string): Promise<string> => {
      const m = await c.post(`/sessions/${sessionId}/messages`, { text, idempotency_key: `k${++key}` });
      assert.equal(m.status, 201, JSON.stringify(m.body));
      return m.body.run.id;
    };
    const s1 = (await c.post("/sessions", { provider: "child" })).body.session.id;
    const s2 = (await c.post("/sessions", { provider: "child" })).body.session.id;
    const s3 = (await c.post("/sessions", { provider: "child" })).body.session.id;
    // Two workers: r1 and r2 run until the gate opens; q1 (behind r1 in its session) and q2 (no
    // free worker) are queued when the disk fills.
    // The stream of s1 must deliver the ends of r1 and q1. Streams publish only what is stored, with
    // the queue's counts already updated: "started on the stream" is a run that has left the queue.
    const streamed: AgentEvent[] = [];
    const sub = subscribe({ baseUrl: d.url, sessionId: s1, transport: "sse", cursor: 0, minBackoffMs: 50, maxBackoffMs: 500, onEvent: (e) => streamed.push(e) });
    t.after(() => sub.close());
    const startedOnStream = (runId: string) => until(() => streamed.some((e) => e.run_id === runId && e.event_type === "child.spawned"), 10_000, `run ${runId} to start its child`);
    const r1 = await send(s1, `child until ${gate}`);
    const r2 = await send(s2, `child until ${gate}`);
    await startedOnStream(r1);
    await until(async () => (await c.get(`/runs/${r2}`)).body.run.pid, 10_000, `run ${r2} to start its child`);
    const q1 = await send(s1, "child 10");
    const q2 = await send(s3, "child 10");
    assert.equal((await c.get(`/runs/${q1}`)).body.run.status, "queued");
    assert.equal((await c.get(`/runs/${q2}`)).body.run.status, "queued");

    const filler = fillDisk(mountDir);
    // The journal's last page may still have room for a few entries: write until refused.
    let refused = false;
    for (let i = 0; i < 500 && !refused; i++) refused = (await c.post("/sessions", { title: `filling ${i}` })).status === 503;
    assert.ok(refused, "writes are refused once the disk is full");

    // The providers of r1 and r2 return now, while their ends cannot be written.
    writeFileSync(gate, "");
    await until(() => (d!.logs().match(/could not write a run's end: storage refuses writes/g) ?? []).length >= 2, 15_000, "both run ends to meet the full disk");
    const during = await c.get("/daemon/status");
    assert.match(during.body.daemon_health, /storage: cannot write the journal/);

    rmSync(filler);
    // Reads answer 503 too while memory holds writes that are not durable: wait for the recovery.
    await until(async () => (await c.get("/daemon/status")).body.daemon_health === "ok", 15_000, "storage to recover once space is back");
    for (const id of [r1, r2, q1, q2]) {
      const done = await c.get(`/runs/${id}/wait?timeout_s=20`);
      assert.equal(done.body.run.status, "completed", `run ${id} ended: ${JSON.stringify(done.body.run)}`);
    }
    assert.match((await c.get(`/runs/${r1}`)).body.run.output, /worked until go/);
    await until(() => [r1, q1].every((id) => streamed.some((e) => e.run_id === id && TERMINAL.has(e.event_type))), 10_000, "the stream to deliver the ends of r1 and q1");
    const status = await until(async () => {
      const s = await c.get("/daemon/status");
      return s.body.daemon_health === "ok" ? s.body : null;
    }, 10_000, "the daemon to be healthy again");
    assert.deepEqual(status.queue_counts, { queued_count: 0, running_count: 0, completed_count: 4, failed_count: 0, canceled_count: 0 });

    // The queue works on, and its in-memory queued counts are exact (--max-queued-per-session 1):
    // behind a running run one more is queued, the next is refused.
    const gate2 = join(gateDir, "go2");
    const holder = await send(s1, `child until ${gate2}`);
    await startedOnStream(holder);
    const again = await send(s1, "child 10");
    const over = await c.post(`/sessions/${s1}/messages`, { text: "child 10", idempotency_key: `k${++key}` });
    assert.equal(over.status, 429, `one queued run is the limit: ${JSON.stringify(over.body)}`);
    writeFileSync(gate2, "");
    for (const id of [holder, again]) assert.equal((await c.get(`/runs/${id}/wait?timeout_s=20`)).body.run.status, "completed");
    await d.kill9();
    d = await startDaemon({ dataDir, args: ARGS });
    const c2 = api(d.url);
    for (const id of [r1, r2, q1, q2, holder, again]) assert.equal((await c2.get(`/runs/${id}`)).body.run.status, "completed", `run ${id} durable`);
  });
});
