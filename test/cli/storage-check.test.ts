// `agentctl storage check` (a command contributed by the storage plugin): good data, a torn
// journal tail, a corrupt journal, a corrupt snapshot and a missing database.
import assert from "node:assert/strict";
import { appendFileSync, cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { api, cleanup, startDaemon, tempDir } from "../support/daemon.ts";
import { agentctl } from "./cli-helpers.ts";

describe("agentctl storage check", () => {
  const dirs: string[] = [];
  let source: string;

  /** A copy of the crashed daemon's data dir to damage. */
  const copy = (): string => {
    const dir = tempDir("agentd-check-");
    dirs.push(dir);
    cpSync(source, dir, { recursive: true });
    return join(dir, "agentd.db");
  };

  before(async () => {
    const d = await startDaemon();
    source = d.dataDir;
    dirs.push(source);
    const client = api(d.url);
    await client.converse("Respond with exactly: a");
    await client.converse("Respond with exactly: b");
    await d.kill9(); // a crash: the journal keeps every acknowledged change
    assert.ok(readFileSync(join(source, "agentd.db.journal")).length > 0);
  });
  after(() => dirs.forEach(cleanup));

  it("reports counts and exits 0 for good data, without changing the files", async () => {
    const db = copy();
    const before = readFileSync(`${db}.journal`);
    const r = await agentctl(["--format", "json", "storage", "check", "--db", db]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.ok, true);
    assert.equal(report.schema_version >= 1, true);
    assert.equal(report.counts.sessions, 2);
    assert.equal(report.counts.runs, 2);
    assert.deepEqual(report.counts.runs_by_status, { completed: 2 });
    assert.ok(report.counts.events > 4);
    assert.equal(report.last_event_seq, report.counts.events);
    assert.equal(report.journal.torn_tail, null);
    assert.deepEqual(readFileSync(`${db}.journal`), before, "the journal is untouched");
    const pretty = await agentctl(["--format", "pretty", "storage", "check", "--db", db]);
    assert.match(pretty.stdout, /^result\s+ok$/m);
    assert.match(pretty.stdout, /^sessions\s+2$/m);
    assert.equal((await agentctl(["--field", "counts.runs", "storage", "check", "--db", db])).stdout.trim(), "2");
  });

  it("reports a torn last entry as a warning (the daemon drops it at start) and exits 0", async () => {
    const db = copy();
    appendFileSync(`${db}.journal`, '0badc0de {"s":999,"q":[["INSERT');
    const r = await agentctl(["--format", "json", "storage", "check", "--db", db]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.ok(report.journal.torn_tail);
    assert.equal(report.counts.sessions, 2);
    assert.match(report.warnings.join("\n"), /torn entry/);
    assert.ok(readFileSync(`${db}.journal`).toString().endsWith('"q":[["INSERT'), "the torn tail is not repaired by a check");
  });

  it("exits 1 on a corrupt journal line followed by good ones, naming the line and what to do", async () => {
    const db = copy();
    const lines = readFileSync(`${db}.journal`, "utf8").split("\n");
    lines.splice(1, 0, "ffffffff this is not a journal entry");
    writeFileSync(`${db}.journal`, lines.join("\n"));
    const r = await agentctl(["--format", "pretty", "storage", "check", "--db", db]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /CORRUPT/);
    assert.match(r.stdout, /corrupt at line 2/);
    assert.match(r.stderr, /restore the data dir from a backup/);
    const json = JSON.parse((await agentctl(["--format", "json", "storage", "check", "--db", db])).stdout);
    assert.equal(json.ok, false);
    assert.match(json.journal.corrupt, /line 2/);
  });

  it("exits 1 on an unreadable snapshot and on a missing database", async () => {
    const db = copy();
    writeFileSync(db, "this is not sqlite");
    const r = await agentctl(["--format", "pretty", "storage", "check", "--db", db]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /cannot be read as a SQLite database/);
    const missing = join(tempDir("agentd-none-"), "nothing.db");
    dirs.push(join(missing, ".."));
    const m = await agentctl(["storage", "check", "--db", missing]);
    assert.equal(m.code, 1);
    assert.match(m.stdout, /no database at/);
    assert.equal(existsSync(missing), false, "a check creates nothing");
  });
});
