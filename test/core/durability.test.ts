import assert from "node:assert/strict";
import { appendFileSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { after, describe, it } from "node:test";
import { api, startDaemon, startFailure, tempDir, until, type DaemonHandle } from "../support/daemon.ts";
import { join } from "node:path";

describe("durability: acknowledged writes survive kill -9", () => {
  const daemons: DaemonHandle[] = [];
  after(async () => {
    for (const d of daemons) await d.stop();
  });

  let burstNo = 0;
  async function burst(c: ReturnType<typeof api>, n: number) {
    const prefix = `burst${++burstNo}`;
    const acked: { session: string; run: string; message: string; key: string; text: string }[] = [];
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const s = await c.post("/sessions", { title: `burst-${i}` });
        assert.equal(s.status, 201);
        const text = `Respond with exactly: ${i}`;
        const key = `${prefix}-${i}`;
        const m = await c.post(`/sessions/${s.body.session.id}/messages`, { text, idempotency_key: key });
        assert.equal(m.status, 201);
        acked.push({ session: s.body.session.id, run: m.body.run.id, message: m.body.message.id, key, text });
      }),
    );
    return acked;
  }

  async function assertAllThere(c: ReturnType<typeof api>, acked: { session: string; run: string; message: string }[]) {
    for (const a of acked) {
      const s = await c.get(`/sessions/${a.session}`);
      assert.equal(s.status, 200, `session ${a.session} survived`);
      const r = await c.get(`/runs/${a.run}`);
      assert.equal(r.status, 200, `run ${a.run} survived`);
      const msgs = await c.get(`/sessions/${a.session}/messages`);
      assert.ok(msgs.body.messages.some((m: { id: string }) => m.id === a.message), `message ${a.message} survived`);
      const events = await c.get(`/sessions/${a.session}/events?limit=1000`);
      const seqs = events.body.events.map((e: { seq: number }) => e.seq);
      assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
    }
  }

  it("a burst of acknowledged writes is all there after kill -9 and restart", async () => {
    const d = await startDaemon();
    const acked = await burst(api(d.url), 120);
    await d.kill9();
    const d2 = await startDaemon({ dataDir: d.dataDir });
    daemons.push(d2);
    const c2 = api(d2.url);
    await assertAllThere(c2, acked);
    // The idempotency records survived with them: retries replay, they do not duplicate.
    for (const a of acked.slice(0, 10)) {
      const retry = await c2.post(`/sessions/${a.session}/messages`, { text: a.text }, { "Idempotency-Key": a.key });
      assert.equal(retry.status, 201);
      assert.equal(retry.body.run.id, a.run, "the retry replays the acknowledged response");
    }
    // Runs that were queued or running at the crash end up completed or failed, never stuck.
    for (const a of acked) {
      const w = await c2.get(`/runs/${a.run}/wait?timeout_s=30`);
      assert.ok(["completed", "failed"].includes(w.body.run.status), w.body.run.status);
    }
  });

  it("survives kill -9 across checkpoints (small checkpoint size)", async () => {
    const d = await startDaemon({ args: ["--checkpoint-bytes", "4096"] });
    const c = api(d.url);
    const first = await burst(c, 30);
    // Acknowledgements no longer wait for a checkpoint (it runs beside them): wait for one to finish.
    await until(async () => (await c.get("/daemon/status")).body.storage.last_checkpoint, 10_000, "a checkpoint");
    assert.ok(statSync(d.db).size > 0, "snapshot written");
    const second = await burst(c, 30);
    await d.kill9();
    const d2 = await startDaemon({ dataDir: d.dataDir });
    daemons.push(d2);
    await assertAllThere(api(d2.url), [...first, ...second]);
  });

  it("a torn last journal line (a write cut short) is dropped with a warning, not fatal", async () => {
    const d = await startDaemon();
    const acked = await burst(api(d.url), 5);
    await d.kill9();
    appendFileSync(`${d.db}.journal`, '0badc0de {"s":999999,"q":[["INSERT INTO ses');
    const d2 = await startDaemon({ dataDir: d.dataDir });
    daemons.push(d2);
    assert.match(d2.logs(), /torn last journal entry/);
    await assertAllThere(api(d2.url), acked);
    const info = (await api(d2.url).get("/daemon/status")).body.storage;
    assert.ok(info.replayed_at_start.torn_tail_bytes > 0);
  });

  it("a corrupt line in the middle of the journal stops start-up with what to do; nothing is changed", async () => {
    const d = await startDaemon();
    await burst(api(d.url), 3);
    await d.kill9();
    const journal = `${d.db}.journal`;
    const lines = readFileSync(journal, "utf8").split("\n");
    lines[1] = lines[1].replace(/"s":/, '"s" :'); // checksum no longer matches
    writeFileSync(journal, lines.join("\n"));
    const before = readFileSync(journal);
    const { code, stderr } = await startFailure(["--db", d.db]);
    assert.equal(code, 1);
    assert.match(stderr, /journal .* is corrupt at line 2/);
    assert.match(stderr, /restore the data dir from a backup/);
    assert.deepEqual(readFileSync(journal), before, "the journal was not touched");
  });

  it("a corrupt snapshot is reported clearly and never silently replaced", async () => {
    const dir = tempDir();
    const db = join(dir, "agentd.db");
    writeFileSync(db, "this is not a sqlite database at all, but it is long enough to look like a file".repeat(20));
    const before = readFileSync(db);
    const { code, stderr } = await startFailure(["--db", db]);
    assert.equal(code, 1);
    assert.match(stderr, /snapshot .* cannot be read as a SQLite database/);
    assert.deepEqual(readFileSync(db), before);
  });
});
