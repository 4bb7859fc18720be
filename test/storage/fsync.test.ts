// Durability proven, not assumed: the real daemon runs under strace, and for every acknowledged
// POST the journal write holding it is followed by a completed fdatasync of the journal before
// the 201 is written to the socket. (SIGKILL tests cannot see a missing sync: the page cache
// survives them.) Fails if the datasync call is removed or moved after the acknowledgement.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { cleanEnv } from "../cli/cli-helpers.ts";
import { AGENTD_BIN, api, BASH, cleanup, listeningUrl, ROOT, tempDir, until } from "../support/daemon.ts";

interface Call {
  start: number;
  end: number;
  name: string;
  fd: number | null;
  text: string;
  ok: boolean;
}

/** strace -f output to calls, joining `<unfinished ...>` with their `<... resumed>` line. */
function parseTrace(trace: string): Call[] {
  const calls: Call[] = [];
  const open = new Map<string, { start: number; text: string }>();
  trace.split("\n").forEach((line, i) => {
    const m = /^(\d+)\s+\S+\s+(.*)$/.exec(line);
    if (!m) return;
    const [, pid, rest] = m;
    let text = rest;
    let start = i;
    if (rest.endsWith("<unfinished ...>")) {
      open.set(pid, { start: i, text: rest.slice(0, -"<unfinished ...>".length) });
      return;
    }
    const resumed = /^<\.\.\. \w+ resumed>(.*)$/.exec(rest);
    if (resumed) {
      const begun = open.get(pid);
      if (!begun) return;
      open.delete(pid);
      text = begun.text + resumed[1];
      start = begun.start;
    }
    const call = /^(\w+)\((\d+)?/.exec(text);
    if (!call) return;
    calls.push({ start, end: i, name: call[1], fd: call[2] === undefined ? null : Number(call[2]), text, ok: /\)\s+= \d+/.test(text) });
  });
  return calls.sort((a, b) => a.end - b.end);
}

const hasStrace = spawnSync("strace", ["-V"]).status === 0;

describe("acknowledgement waits for the journal's fdatasync (strace on the real daemon)", () => {
  const dataDir = tempDir("agentd-fsync-");
  after(() => cleanup(dataDir));

  it("every 201 is written after the fdatasync that covers its journal line", async (t) => {
    if (!hasStrace) {
      if (process.env.CI) assert.fail("CI must have strace (.ci/run installs it)");
      t.skip("strace is not installed (apt-get install strace)");
      return;
    }
    const db = join(dataDir, "agentd.db");
    const traceFile = join(dataDir, "trace.txt");
    const args = ["-f", "-tt", "-e", "trace=openat,close,write,pwrite64,writev,fdatasync,fsync", "-s", "8192", "-o", traceFile];
    const proc = spawn("strace", [...args, BASH, AGENTD_BIN, "--port", "0", "--db", db, "--checkpoint-interval-ms", "3600000"], { cwd: ROOT, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
    let logs = "";
    proc.stderr.on("data", (b: Buffer) => (logs += b.toString()));
    proc.stdout.on("data", (b: Buffer) => (logs += b.toString()));
    const exited = new Promise<void>((r) => proc.once("exit", () => r()));
    const url = (await until(() => listeningUrl(logs), 60_000, `the traced daemon to listen:\n${logs}`)) as string;
    const c = api(url);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push((await c.post("/sessions", { title: `one at a time ${i}` })).body.session.id);
    // Concurrent ones share a group commit: one write and one fdatasync for several acknowledgements.
    const concurrent = await Promise.all(Array.from({ length: 10 }, (_, i) => c.post("/sessions", { title: `together ${i}` })));
    for (const r of concurrent) {
      assert.equal(r.status, 201);
      ids.push(r.body.session.id);
    }
    const pid = (await c.get("/daemon/status")).body.pid as number;
    process.kill(pid, "SIGKILL");
    await exited;

    const calls = parseTrace(readFileSync(traceFile, "utf8"));
    const journalFds = new Set<number>();
    const isJournal = (call: Call) => call.fd !== null && journalFds.has(call.fd);
    const timeline: Array<Call & { journal: boolean }> = [];
    for (const call of calls) {
      if (call.name === "openat" && call.text.includes(`"${db}.journal"`) && call.text.includes("O_APPEND")) {
        const fd = /= (\d+)$/.exec(call.text.trim());
        if (fd) journalFds.add(Number(fd[1]));
      }
      timeline.push({ ...call, journal: isJournal(call) });
      if (call.name === "close" && call.fd !== null) journalFds.delete(call.fd);
    }
    assert.ok(timeline.some((x) => x.journal), "the journal's file descriptor was found in the trace");
    for (const id of ids) {
      const line = timeline.find((x) => x.journal && (x.name === "write" || x.name === "pwrite64") && x.text.includes(id));
      assert.ok(line, `the journal write of ${id} is in the trace`);
      const ack = timeline.find((x) => !x.journal && (x.name === "write" || x.name === "writev") && x.text.includes("HTTP/1.1 201") && x.text.includes(id));
      assert.ok(ack, `the 201 for ${id} is in the trace`);
      const sync = timeline.find((x) => x.journal && (x.name === "fdatasync" || x.name === "fsync") && x.ok && x.start > line.end && x.end < ack.start);
      assert.ok(sync, `a completed fdatasync of the journal lies between the journal write of ${id} (trace line ${line.end}) and its 201 (trace line ${ack.start})`);
    }
  });
});
