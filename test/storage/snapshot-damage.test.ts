// A damaged snapshot is refused at open (size and header check, PRAGMA quick_check) instead of
// starting empty (and overwriting it at the next checkpoint) or failing later with 500s.
import assert from "node:assert/strict";
import { cpSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import initSqlJs from "sql.js";
import { api, cleanup, startDaemon, startFailure, tempDir } from "../support/daemon.ts";

describe("snapshot damage", () => {
  const dirs: string[] = [];
  let source: string;
  const copy = (): string => {
    const dir = tempDir("agentd-snapshot-damage-");
    dirs.push(dir);
    cpSync(source, dir, { recursive: true });
    return join(dir, "agentd.db");
  };
  after(() => dirs.forEach(cleanup));

  before(async () => {
    const d = await startDaemon();
    source = d.dataDir;
    dirs.push(source);
    const c = api(d.url);
    for (let i = 0; i < 200; i++) assert.equal((await c.post("/sessions", { title: `session ${i} ${"y".repeat(200)}` })).status, 201);
    await d.stop(); // the shutdown checkpoint writes the snapshot and empties the journal
    assert.ok(statSync(join(source, "agentd.db")).size > 32 * 1024);
  });

  it("a 0-byte snapshot is refused and left as it is", async () => {
    const db = copy();
    truncateSync(db, 0);
    const { code, stderr } = await startFailure(["--db", db]);
    assert.equal(code, 1);
    assert.match(stderr, /snapshot .*agentd\.db cannot be read as a SQLite database \(0 bytes: an empty file\)/);
    assert.match(stderr, /restore the data dir from a backup/);
    assert.match(stderr, /Damaged snapshot" in docs\/runbook\.md/);
    assert.equal(statSync(db).size, 0, "not overwritten by an empty database");
  });

  it("a snapshot cut short is refused", async () => {
    const db = copy();
    truncateSync(db, 100);
    const { code, stderr } = await startFailure(["--db", db]);
    assert.equal(code, 1);
    assert.match(stderr, /cannot be read as a SQLite database \(100 bytes, no SQLite header\)|fails its integrity check/);
  });

  it("damaged bytes inside a data page are refused at open, not served as 500s later", async () => {
    const db = copy();
    const image = readFileSync(db);
    const SQL = await initSqlJs();
    const probe = new SQL.Database(image);
    const root = Number(probe.exec("SELECT rootpage FROM sqlite_master WHERE name = 'sessions'")[0].values[0][0]);
    const pageSize = Number(probe.exec("PRAGMA page_size")[0].values[0][0]);
    probe.close();
    assert.ok(root > 1, "a data page, not the header page");
    // The page's b-tree header and cell pointers: what the engine needs to find the rows.
    image.fill(0xa5, (root - 1) * pageSize + 1, (root - 1) * pageSize + 24);
    writeFileSync(db, image);
    const { code, stderr } = await startFailure(["--db", db]);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /snapshot .* fails its integrity check/);
    assert.deepEqual(readFileSync(db), image, "left as it is for recovery");
  });
});
