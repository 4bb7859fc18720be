// Every ```bash block of README.md, docs/runbook.md, docs/plugins.md and the operator skill runs
// against a real daemon (conventions in ./shell-docs.ts). README, runbook and plugins.md start their
// own daemon with the documented command; the skill expects one running, as an agent would.
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AGENTCTL_BIN, ROOT, cleanup, startDaemon, tempDir, type DaemonHandle } from "../support/daemon.ts";
import { bashBlocks, freePort, runScript, sandboxCheckout, toScript } from "./shell-docs.ts";

const read = (path: string): string => readFileSync(join(ROOT, path), "utf8");

/** Run a document's blocks in a fresh sandbox checkout on a free port. */
async function runDoc(path: string, extraEnv: Record<string, string> = {}) {
  const blocks = bashBlocks(read(path));
  assert.ok(blocks.length >= 1, `${path} has bash blocks`);
  const port = await freePort();
  const dir = sandboxCheckout();
  try {
    const env = { AGENTD_PORT: String(port), AGENTCTL_URL: `http://127.0.0.1:${port}`, AGENTCTL_DATA_DIR: join(dir, ".agentctl-data"), BACKUP_DIR: join(dir, "backups"), ...extraEnv };
    const r = await runScript(toScript(blocks, port), env, dir);
    assert.equal(r.code, 0, `${path} failed (exit ${r.code}):\n${r.stderr.slice(-6000)}`);
    return r;
  } finally {
    cleanup(dir);
  }
}

describe("shell commands in the docs", () => {
  it("README.md: install, quick start, first session over HTTP", async () => {
    const r = await runDoc("README.md");
    assert.match(r.stdout, /^completed$/m, "run wait printed the status");
    assert.match(r.stdout, /^hello$/m, "run get printed the output");
    assert.match(r.stdout, /run\.completed/, "events were printed");
    assert.match(r.stdout, /"timed_out":false/, "the HTTP wait returned the finished run");
  });

  it("docs/runbook.md: start, preflight, diagnose, stale check, restart, backup and restore", async () => {
    const r = await runDoc("docs/runbook.md");
    assert.match(r.stdout, /^agentd ready: ok, \d+ workers alive$/m, "the preflight passed");
    assert.match(r.stdout, /^run run_\S+ completed$/m);
    assert.match(r.stdout, /^backup ok$/m, "storage check verified the backup");
    assert.match(r.stdout, /^restored ses_\S+$/m, "the session survived backup and restore");
  });

  it("docs/plugins.md: load the example provider, link its CLI command, run it", async () => {
    const r = await runDoc("docs/plugins.md");
    assert.match(r.stdout, /^agentd-provider-shout 0\.1\.0 \(link\)$/m, "agentctl plugins lists the example");
    assert.match(r.stdout, /^> HELLO$/m, "shout say printed the reply with the configured prefix");
  });

  describe("skills/agent-orchestrator-cli/SKILL.md", () => {
    let d: DaemonHandle;
    let work: string;
    before(async () => {
      d = await startDaemon();
      work = tempDir("agentd-skill-");
      mkdirSync(join(work, "bin"));
      symlinkSync(AGENTCTL_BIN, join(work, "bin", "agentctl"));
    });
    after(async () => {
      await d.stop();
      cleanup(d.dataDir);
      cleanup(work);
    });

    it("runs as written against a running daemon", async () => {
      const blocks = bashBlocks(read("skills/agent-orchestrator-cli/SKILL.md"));
      assert.ok(blocks.length >= 3, "the skill has bash blocks");
      const port = Number(new URL(d.url).port);
      const r = await runScript(toScript(blocks, port), { AGENTCTL_URL: d.url, PATH: `${join(work, "bin")}:${process.env.PATH}` }, work);
      assert.equal(r.code, 0, `SKILL.md commands failed:\n${r.stderr.slice(-6000)}`);
      assert.match(r.stdout, /^ok$/m, "preflight prints daemon_health ok");
      assert.match(r.stdout, /^preflight ok$/m, "the one-line preflight passed");
      assert.match(r.stdout, /^run run_\S+ ended completed$/m);
      assert.match(r.stdout, /^ready$/m);
      const follows = blocks.join("\n").split("\n").filter((l) => /--follow\b/.test(l)).length;
      if (follows) assert.ok(r.stdout.split("\n").filter((l) => l === "run.completed").length >= 2, "tail and tail --follow both printed events");
    });
  });
});
