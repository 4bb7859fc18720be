// Only an append cut short by a crash (a last line with no newline that is the start of an entry)
// is a torn tail the daemon may drop. Any other damage to the journal is damage to acknowledged
// data: start-up refuses, names the line, saves the damaged bytes aside and truncates nothing.
import assert from "node:assert/strict";
import { cpSync, readdirSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { agentctl } from "../cli/cli-helpers.ts";
import { api, cleanup, startDaemon, startFailure, tempDir, type DaemonHandle } from "../support/daemon.ts";

describe("journal damage", () => {
  const dirs: string[] = [];
  let source: string;
  let sessions: string[] = [];
  const copy = (): string => {
    const dir = tempDir("agentd-journal-damage-");
    dirs.push(dir);
    cpSync(source, dir, { recursive: true });
    return join(dir, "agentd.db");
  };
  after(() => dirs.forEach(cleanup));

  before(async () => {
    const d = await startDaemon({ args: ["--checkpoint-interval-ms", "3600000"] });
    source = d.dataDir;
    dirs.push(source);
    const c = api(d.url);
    for (let i = 0; i < 40; i++) sessions.push((await c.post("/sessions", { title: `acknowledged ${i} ${"x".repeat(100)}` })).body.session.id);
    await d.kill9();
    assert.ok(readFileSync(join(source, "agentd.db.journal")).length > 8192, "a journal longer than the damage");
  });

  /** Start on damaged data: refused, journal untouched, damaged bytes saved aside, check reports it. */
  async function assertRefused(db: string, line: RegExp) {
    const journal = readFileSync(`${db}.journal`);
    const { code, stderr } = await startFailure(["--db", db]);
    assert.equal(code, 1, stderr);
    assert.match(stderr, /journal .*agentd\.db\.journal is corrupt at line \d+ \(byte \d+/);
    assert.match(stderr, line);
    assert.match(stderr, /nothing was truncated/);
    assert.doesNotMatch(stderr, /torn/);
    assert.deepEqual(readFileSync(`${db}.journal`), journal, "the journal is untouched");
    const offset = Number(/\(byte (\d+)/.exec(stderr)![1]);
    const saved = readdirSync(join(db, "..")).filter((f) => f.startsWith(`agentd.db.journal.damaged-${offset}-`));
    assert.equal(saved.length, 1, "the damaged bytes are saved once");
    assert.match(stderr, new RegExp(saved[0]));
    assert.deepEqual(readFileSync(join(db, "..", saved[0])), journal.subarray(offset), "the saved file holds the damaged bytes");
    await startFailure(["--db", db]);
    assert.equal(readdirSync(join(db, "..")).filter((f) => f.includes(".damaged-")).length, 1, "a restart loop does not pile up copies");

    const check = await agentctl(["--format", "json", "storage", "check", "--db", db]);
    assert.equal(check.code, 1);
    const report = JSON.parse(check.stdout);
    assert.equal(report.ok, false);
    assert.equal(report.journal.damaged_at, offset);
    return offset;
  }

  it("zeroed last 4 KiB: refused, not dropped as a torn entry", async () => {
    const db = copy();
    const buf = readFileSync(`${db}.journal`);
    buf.fill(0, buf.length - 4096);
    writeFileSync(`${db}.journal`, buf);
    await assertRefused(db, /is not the start of a journal entry/);
  });

  it("one flipped bit in the last complete line: refused", async () => {
    const db = copy();
    const buf = readFileSync(`${db}.journal`);
    const lastStart = buf.lastIndexOf(0x0a, buf.length - 2) + 1;
    buf[lastStart + 40] ^= 0x04;
    writeFileSync(`${db}.journal`, buf);
    await assertRefused(db, /the last complete line fails its checksum/);
  });

  it("garbage after the last newline that is not the start of an entry: refused", async () => {
    const db = copy();
    writeFileSync(`${db}.journal`, Buffer.concat([readFileSync(`${db}.journal`), Buffer.from("not an entry at all")]));
    await assertRefused(db, /is not the start of a journal entry/);
  });

  it("a complete line of garbage at the end: refused", async () => {
    const db = copy();
    writeFileSync(`${db}.journal`, Buffer.concat([readFileSync(`${db}.journal`), Buffer.from("0123abcd {\"s\":1}\n")]));
    await assertRefused(db, /the last complete line fails its checksum/);
  });

  it("the runbook's recovery (truncate at the damaged byte) starts with everything before the damage", async () => {
    const db = copy();
    const buf = readFileSync(`${db}.journal`);
    buf.fill(0, buf.length - 4096);
    writeFileSync(`${db}.journal`, buf);
    const offset = await assertRefused(db, /truncate the journal to \d+ bytes/);
    truncateSync(`${db}.journal`, offset);
    const d: DaemonHandle = await startDaemon({ dataDir: join(db, "..") });
    const c = api(d.url);
    assert.equal((await c.get(`/sessions/${sessions[0]}`)).status, 200, "the changes before the damage are there");
    await d.stop();
  });

  it("a real torn tail (the start of the next entry, no newline) still recovers", async () => {
    const db = copy();
    const buf = readFileSync(`${db}.journal`);
    const lastLine = buf.subarray(buf.lastIndexOf(0x0a, buf.length - 2) + 1).toString();
    const lastSeq = Number(/"s":(\d+)/.exec(lastLine)![1]);
    const next = `0badc0de {"s":${lastSeq + 1},"q":[["INSERT INTO sessions (id`;
    writeFileSync(`${db}.journal`, Buffer.concat([buf, Buffer.from(next)]));
    const d = await startDaemon({ dataDir: join(db, "..") });
    assert.match(d.logs(), /dropped a torn last journal entry/);
    const c = api(d.url);
    for (const id of sessions) assert.equal((await c.get(`/sessions/${id}`)).status, 200, `acknowledged session ${id} is there`);
    await d.kill9(); // no shutdown checkpoint: the journal shows what start-up did to it
    const after = readFileSync(`${db}.journal`);
    assert.deepEqual(after.subarray(0, buf.length), buf, "every acknowledged byte is kept");
    assert.ok(!after.subarray(buf.length).toString().includes(next), "the torn bytes went");
  });
});
