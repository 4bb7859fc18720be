// A checkpoint runs beside acknowledgements: writes are made durable in a new journal segment
// while the snapshot is written (here paused mid-write by a probe storage), and a kill -9 at any
// step of the checkpoint loses nothing that was acknowledged.
import assert from "node:assert/strict";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { agentctl } from "../cli/cli-helpers.ts";
import { api, cleanup, ROOT, startDaemon, tempDir, until, type DaemonHandle } from "../support/daemon.ts";

const PROBE = ["--no-default-plugins", "--plugin", join(ROOT, "test/fixtures/plugins/checkpoint-probe.ts")];
const STEPS = ["rotated", "snapshot-tmp-written", "snapshot-renamed", "old-segment-removed"] as const;

async function createSessions(c: ReturnType<typeof api>, label: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await c.post("/sessions", { title: `${label} ${i} ${"z".repeat(400)}` });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    ids.push(r.body.session.id);
  }
  return ids;
}

describe("checkpoints do not stall acknowledgements and lose nothing when cut short", () => {
  const dirs: string[] = [];
  let d: DaemonHandle | undefined;
  after(async () => {
    await d?.stop();
    dirs.forEach(cleanup);
  });

  it("writes are acknowledged while the snapshot write is paused, then the checkpoint finishes", async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const release = join(dataDir, "release");
    d = await startDaemon({ dataDir, args: PROBE, env: { TEST_CHECKPOINT_PAUSE_AT: "snapshot-tmp-written", TEST_CHECKPOINT_RELEASE: release } });
    const c = api(d.url);
    const before = await createSessions(c, "before", 100);
    assert.equal((await c.post("/test/checkpoint")).status, 202);
    await until(() => /checkpoint paused step="snapshot-tmp-written"/.test(d!.logs()), 10_000, "the checkpoint to pause mid-snapshot");
    // The checkpoint is stuck with its snapshot half done: acknowledgements must not wait for it.
    const during = await createSessions(c, "during", 50);
    assert.ok(!/checkpoint finished/.test(d.logs()), "all 50 were acknowledged while the checkpoint was paused");
    assert.ok(existsSync(`${d.db}.journal.prev`), "the old segment is kept until the snapshot is in place");
    writeFileSync(release, "");
    await until(() => /checkpoint finished/.test(d!.logs()), 10_000, "the checkpoint to finish");
    assert.ok(!existsSync(`${d.db}.journal.prev`), "the old segment is gone once the snapshot covers it");
    await d.kill9();
    d = await startDaemon({ dataDir: d.dataDir });
    const c2 = api(d.url);
    for (const id of [...before, ...during]) assert.equal((await c2.get(`/sessions/${id}`)).status, 200, `acknowledged session ${id} survived`);
    await d.stop();
    d = undefined;
  });

  for (const step of STEPS) {
    it(`kill -9 at checkpoint step "${step}" loses nothing acknowledged`, async () => {
      d = await startDaemon({ args: PROBE, env: { TEST_CHECKPOINT_PAUSE_AT: step } });
      dirs.push(d.dataDir);
      const c = api(d.url);
      const before = await createSessions(c, "before", 30);
      assert.equal((await c.post("/test/checkpoint")).status, 202);
      await until(() => d!.logs().includes(`checkpoint paused step="${step}"`), 10_000, `the checkpoint to reach ${step}`);
      const during = await createSessions(c, "during", 10);
      await d.kill9();
      const dataDir = d.dataDir;
      d = await startDaemon({ dataDir });
      const c2 = api(d.url);
      for (const id of [...before, ...during]) assert.equal((await c2.get(`/sessions/${id}`)).status, 200, `acknowledged session ${id} survived a crash at ${step}`);
      assert.ok(!existsSync(join(dataDir, "agentd.db.journal.prev")), "start-up finished the interrupted checkpoint");
      await d.stop();
      d = undefined;
      const check = await agentctl(["--format", "json", "storage", "check", "--db", join(dataDir, "agentd.db")]);
      assert.equal(check.code, 0, check.stdout);
      assert.equal(JSON.parse(check.stdout).counts.sessions, 40);
    });
  }
});
