// #13.6: principal ids are keyed (HMAC-SHA256 with a per-install key in the database), not
// sha256(token)[:16]; data stored under the old ids is rewritten at start-up for every
// configured token, so the same token still owns its sessions.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, describe, it } from "node:test";
import { SqljsStorage } from "../../plugins/storage-sqljs/src/index.ts";
import { api, cleanup, startDaemon, tempDir, until } from "../support/daemon.ts";
import { uniqueToken } from "./secrets-probe.ts";

const CHILD_PLUGIN = "./test/fixtures/plugins/child-process-provider.ts";
const legacyId = (token: string): string => `tok_${createHash("sha256").update(token).digest("hex").slice(0, 16)}`;
const quietLog = { debug() {}, info() {}, warn() {}, error() {} };

/** Open a stopped daemon's database in this process. */
async function withStorage<T>(db: string, fn: (s: SqljsStorage) => T | Promise<T>): Promise<T> {
  const storage = new SqljsStorage({ path: db, checkpointBytes: 1 << 30, checkpointIntervalMs: 3_600_000, log: quietLog });
  await storage.open();
  try {
    return await fn(storage);
  } finally {
    await storage.checkpoint();
    await storage.close();
  }
}

const ID_COLUMNS = [["sessions", "owner"], ["runs", "canceled_by"], ["idempotency", "principal"]] as const;
const TEXT_COLUMNS = [["events", "data"], ["idempotency", "body"], ["runs", "error"]] as const;

describe("principal ids", { timeout: 120_000 }, () => {
  const dataDir = tempDir("agentd-principal-ids-");
  after(() => cleanup(dataDir));
  const [alice, bob, admin] = [uniqueToken("alice"), uniqueToken("bob"), uniqueToken("admin")];
  const args = ["--plugin", CHILD_PLUGIN, "--auth-token", alice, "--auth-token", bob, "--admin-token", admin];

  it("data written under the old sha256 ids still belongs to the same tokens after an upgrade, under keyed ids", async () => {
    // 1. Data as the old scheme stored it: alice's session and an admin-canceled run, with every
    //    stored id rewritten to sha256(token)[:16] and no install key (as before the upgrade).
    let d = await startDaemon({ dataDir, args });
    const a = api(d.url, alice);
    const session = await a.post("/sessions", { provider: "child" }, { "idempotency-key": "create-1" });
    assert.equal(session.status, 201);
    const sessionId = session.body.session.id as string;
    const sent = await a.post(`/sessions/${sessionId}/messages`, { text: "child 60000", idempotency_key: "m-1" });
    const runId = sent.body.run.id as string;
    await until(async () => (await a.get(`/runs/${runId}`)).body.run?.status === "running", 20_000, "the run to start");
    const cancel = await api(d.url, admin).post(`/runs/${runId}/cancel`, {});
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    const canceled = (await a.get(`/runs/${runId}/wait?timeout_s=20`)).body.run;
    assert.equal(canceled.status, "canceled", JSON.stringify(canceled));
    const keyedIds = { alice: session.body.session.owner as string | undefined, admin: canceled.canceled_by as string };
    await d.stop();
    await withStorage(d.db, (s) =>
      s.transact((tx) => {
        const ids = tx.all<{ owner: string }>("SELECT DISTINCT owner FROM sessions").map((r) => r.owner);
        assert.equal(ids.length, 1, "alice owns the one session");
        const map: Array<[string, string]> = [[ids[0], legacyId(alice)], [keyedIds.admin, legacyId(admin)]];
        for (const [from, to] of map) {
          for (const [t, c] of ID_COLUMNS) tx.run(`UPDATE ${t} SET ${c} = ? WHERE ${c} = ?`, [to, from]);
          for (const [t, c] of TEXT_COLUMNS) tx.run(`UPDATE ${t} SET ${c} = replace(${c}, ?, ?)`, [from, to]);
        }
        tx.run("DELETE FROM kv WHERE key LIKE 'auth-bearer.%'");
      }).durable,
    );
    await withStorage(d.db, (s) => {
      assert.equal(s.get<{ owner: string }>("SELECT owner FROM sessions")!.owner, legacyId(alice), "the data now looks like the old scheme's");
      assert.equal(s.get<{ canceled_by: string }>("SELECT canceled_by FROM runs")!.canceled_by, legacyId(admin));
    });

    // 2. Upgrade: the same tokens see the same data; stored ids are keyed, not sha256 prefixes.
    d = await startDaemon({ dataDir, args });
    try {
      assert.match(d.logs(), /rewrote stored principal ids to the keyed scheme rows=/);
      const listed = await api(d.url, alice).get("/sessions");
      assert.deepEqual(listed.body.sessions.map((s: { id: string }) => s.id), [sessionId], "alice still sees her session");
      assert.equal((await api(d.url, bob).get(`/sessions/${sessionId}`)).status, 404, "bob still does not");
      const replay = await api(d.url, alice).post("/sessions", { provider: "child" }, { "idempotency-key": "create-1" });
      assert.equal(replay.headers.get("idempotent-replayed"), "true", "alice's idempotency keys survive");
      assert.equal(replay.body.session.id, sessionId);
      const run = (await api(d.url, alice).get(`/runs/${runId}`)).body.run;
      assert.match(run.canceled_by, /^tok_[0-9a-f]{16}$/);
      assert.notEqual(run.canceled_by, legacyId(admin), "canceled_by no longer reveals sha256(admin token)");
    } finally {
      await d.stop();
    }
    await withStorage(d.db, (s) => {
      for (const legacy of [legacyId(alice), legacyId(admin)]) {
        for (const [t, c] of [...ID_COLUMNS, ...TEXT_COLUMNS]) assert.equal(s.all(`SELECT 1 FROM ${t} WHERE ${c} LIKE ?`, [`%${legacy}%`]).length, 0, `${t}.${c} holds no old id`);
      }
      const key = s.get<{ value: string }>("SELECT value FROM kv WHERE key = 'auth-bearer.principal_key'");
      assert.equal(Buffer.from(key!.value, "base64").length, 32, "a 32-byte install key is stored in the database");
    });
  });

  it("ids differ between installs for the same token (keyed), and stay stable across restarts", async () => {
    const token = uniqueToken("stable");
    const owners: string[] = [];
    const dirs = [tempDir("agentd-pid-a-"), tempDir("agentd-pid-b-")];
    try {
      for (const dir of [dirs[0], dirs[0], dirs[1]]) {
        const d = await startDaemon({ dataDir: dir, args: ["--auth-token", token] });
        try {
          const c = api(d.url, token);
          await c.post("/sessions", {});
          owners.push(await withOwner(d.url, token));
        } finally {
          await d.stop();
        }
      }
      assert.equal(owners[0], owners[1], "stable across a restart of one install");
      assert.notEqual(owners[0], owners[2], "another install's key gives another id");
      assert.ok(!owners.includes(legacyId(token)));
    } finally {
      dirs.forEach(cleanup);
    }
  });
});

/** The principal id of `token` as the daemon reports it (`GET /sessions` owner field). */
async function withOwner(url: string, token: string): Promise<string> {
  const r = await api(url, token).get("/sessions");
  const owner = r.body.sessions[0]?.owner as string | undefined;
  assert.ok(owner, `sessions carry their owner: ${JSON.stringify(r.body)}`);
  return owner;
}
