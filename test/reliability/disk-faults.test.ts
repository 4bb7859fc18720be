import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { join } from "node:path";
import { api, startDaemon, tempDir, until, type DaemonHandle } from "../support/daemon.ts";
import { fillDisk, mountTmpfs } from "../support/disk.ts";

describe("disk faults: a full disk makes writes (and reads, while changes are not durable) fail with 503, then recover", () => {
  const mountDir = tempDir("agentd-tmpfs-");
  let mounted = false;
  let d: DaemonHandle | undefined;
  before(() => {
    mounted = mountTmpfs(mountDir, "2m");
  });
  after(async () => {
    await d?.stop();
    if (mounted) execFileSync("umount", ["-l", mountDir]);
    rmSync(mountDir, { recursive: true, force: true });
  });

  it("refuses writes with storage_unavailable on ENOSPC and recovers when space returns", async (t) => {
    if (!mounted) {
      if (process.env.CI) assert.fail("CI must be able to mount a tmpfs (runs as root)");
      t.skip("cannot mount a tmpfs here (needs root)");
      return;
    }
    const dataDir = join(mountDir, "data");
    mkdirSync(dataDir);
    d = await startDaemon({ dataDir, args: ["--checkpoint-interval-ms", "600000"] });
    const c = api(d.url);
    const { session, run } = await c.converse("Respond with exactly: before the disk filled");
    assert.equal(run.output, "before the disk filled");

    const filler = fillDisk(mountDir);
    // The journal's last memory page may still have room for a few entries: write until refused.
    const acked: string[] = [];
    let failed;
    let key = "";
    let body = { text: "" };
    for (let i = 0; i < 500 && !failed; i++) {
      key = `during-full-disk-${i}`;
      body = { text: `Respond with exactly: after recovery ${i}` };
      const r = await c.post(`/sessions/${session.id}/messages`, body, { "Idempotency-Key": key });
      if (r.status === 201) acked.push(r.body.run.id);
      else failed = r;
    }
    assert.ok(failed, "writes were refused once the disk was full");
    assert.equal(failed.status, 503, JSON.stringify(failed.body));
    assert.equal(failed.body.error.code, "storage_unavailable");
    assert.match(failed.body.error.message, /free disk space/);
    const refused = await c.post("/sessions", { title: "refused" });
    assert.equal(refused.status, 503, "writes stay refused while the journal cannot be written");

    // Memory holds the refused write (kept for a retry): reads must not show it as committed.
    const read = await c.get(`/sessions/${session.id}/events?cursor=0`);
    assert.equal(read.status, 503, "reads wait for durability, and answer 503 while it fails");
    assert.equal(read.body.error.code, "storage_unavailable");
    const status = await c.get("/daemon/status");
    assert.match(status.body.daemon_health, /storage: cannot write the journal/);

    rmSync(filler);
    // The retried request replays the original (which the daemon kept and wrote once space came back).
    const retried = await until(async () => {
      const r = await c.post(`/sessions/${session.id}/messages`, body, { "Idempotency-Key": key });
      return r.status === 201 ? r : null;
    }, 15_000, "writes to recover");
    const done = await c.get(`/runs/${retried.body.run.id}/wait?timeout_s=20`);
    assert.equal(done.body.run.status, "completed");
    assert.equal(done.body.run.output, body.text.replace("Respond with exactly: ", ""));
    assert.equal((await c.get("/daemon/status")).body.daemon_health, "ok");
    assert.equal((await c.get(`/sessions/${session.id}/events?cursor=0`)).status, 200, "reads are back with the writes");

    await d.kill9();
    const restarted = await startDaemon({ dataDir });
    d = restarted;
    const c2 = api(restarted.url);
    for (const id of [...acked, retried.body.run.id]) {
      const r = await c2.get(`/runs/${id}`);
      assert.equal(r.status, 200, `acknowledged run ${id} survived`);
    }
    const after = await c2.get(`/runs/${retried.body.run.id}`);
    assert.equal(after.body.run.status, "completed", "the recovered write is durable");
    const msgs = await c2.get(`/sessions/${session.id}/messages`);
    assert.equal(msgs.body.messages.filter((m: { text: string }) => m.text === body.text).length, 1, "stored exactly once");
  });
});
