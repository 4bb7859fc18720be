// A write answered 503 (the journal could not be made durable) is never replayed as 201 nor shown
// by a read while it is not durable: with the disk full, a retry with the same key gets 503 again
// and reads get 503; after kill -9 the key creates exactly one session; after recovery without a
// crash the retry replays the write that is now durable, and it survives a kill -9.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { api, startDaemon, tempDir, until, type DaemonHandle } from "../support/daemon.ts";
import { fillDisk, mountTmpfs, requireTmpfs } from "./support.ts";

describe("a 503'd write is neither replayed nor read until it is durable", () => {
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

  /** Fill the disk and send session creations until one is refused; its key and the ones acknowledged. */
  async function refusedCreate(c: ReturnType<typeof api>, prefix: string) {
    const free = fillDisk(mountDir);
    const acked: string[] = [];
    for (let i = 0; i < 500; i++) {
      const key = `${prefix}-${i}`;
      const r = await c.post("/sessions", { title: key }, { "Idempotency-Key": key });
      if (r.status === 201) acked.push(r.body.session.id);
      else {
        assert.equal(r.status, 503, JSON.stringify(r.body));
        assert.equal(r.body.error.code, "storage_unavailable");
        return { key, acked, free };
      }
    }
    throw new Error("the full disk never refused a write");
  }

  async function assertRefusedWhileFull(c: ReturnType<typeof api>, key: string) {
    const retry = await c.post("/sessions", { title: key }, { "Idempotency-Key": key });
    assert.equal(retry.status, 503, `the retry of a 503'd write is not replayed as committed: ${JSON.stringify(retry.body)}`);
    assert.equal(retry.headers.get("idempotent-replayed"), null);
    assert.equal(retry.body.error.code, "storage_unavailable");
    const list = await c.get("/sessions");
    assert.equal(list.status, 503, `reads do not show what is not durable: ${JSON.stringify(list.body).slice(0, 300)}`);
    assert.match(list.body.error.message, /reads are paused too, because the daemon holds changes that are not durable yet: cannot write the journal .*free disk space/);
    const status = await c.get("/daemon/status");
    assert.equal(status.status, 200, "status still answers, naming the failure");
    assert.match(status.body.daemon_health, /storage: cannot write the journal/);
  }

  const titled = async (c: ReturnType<typeof api>, title: string) => {
    const list = await c.get("/sessions?limit=500");
    assert.equal(list.status, 200);
    return list.body.sessions.filter((s: { title: string }) => s.title === title);
  };

  it("kill -9 while full: the key then creates exactly one session; nothing acknowledged is lost", async (t) => {
    if (!requireTmpfs(mounted, t)) return;
    const dataDir = join(mountDir, "crash");
    mkdirSync(dataDir);
    d = await startDaemon({ dataDir, args: ["--checkpoint-interval-ms", "600000"] });
    const c = api(d.url);
    const { key, acked, free } = await refusedCreate(c, "crash");
    await assertRefusedWhileFull(c, key);
    await d.kill9();
    free();
    d = await startDaemon({ dataDir });
    const c2 = api(d.url);
    for (const id of acked) assert.equal((await c2.get(`/sessions/${id}`)).status, 200, `acknowledged session ${id} survived`);
    const created = await c2.post("/sessions", { title: key }, { "Idempotency-Key": key });
    assert.equal(created.status, 201);
    const again = await c2.post("/sessions", { title: key }, { "Idempotency-Key": key });
    assert.equal(again.headers.get("idempotent-replayed"), "true");
    assert.equal(again.body.session.id, created.body.session.id);
    assert.equal((await titled(c2, key)).length, 1, "exactly one session for the key");
    await d.stop();
    d = undefined;
  });

  it("recovery without a crash: the retry replays the now durable write, which survives kill -9", async (t) => {
    if (!requireTmpfs(mounted, t)) return;
    const dataDir = join(mountDir, "recover");
    mkdirSync(dataDir);
    d = await startDaemon({ dataDir, args: ["--checkpoint-interval-ms", "600000"] });
    const c = api(d.url);
    const { key, free } = await refusedCreate(c, "recover");
    await assertRefusedWhileFull(c, key);
    free();
    const replayed = await until(async () => {
      const r = await c.post("/sessions", { title: key }, { "Idempotency-Key": key });
      return r.status === 201 ? r : null;
    }, 15_000, "writes to recover");
    assert.equal(replayed.headers.get("idempotent-replayed"), "true", "the kept write, made durable once space returned");
    assert.equal((await titled(c, key)).length, 1);
    await d.kill9();
    d = await startDaemon({ dataDir });
    const c2 = api(d.url);
    assert.equal((await c2.get(`/sessions/${replayed.body.session.id}`)).status, 200, "a session answered 201 never disappears");
    assert.equal((await titled(c2, key)).length, 1);
  });
});
