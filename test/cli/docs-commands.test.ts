// Runs every ```bash block of README's "Quick start with agentctl" section and of
// skills/agent-orchestrator-cli/SKILL.md against a real daemon, so the docs cannot rot.
// Blocks of one document run in order in one bash script (later blocks use earlier variables).
// A line with `--follow` streams forever: it runs under `timeout 5` and must still be streaming then.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { AGENTCTL_BIN, ROOT, cleanup, startDaemon, tempDir, type DaemonHandle } from "../support/daemon.ts";
import { cleanEnv, type CliResult } from "./cli-helpers.ts";

function bashBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```bash\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  assert.notEqual(start, -1, `heading "${heading}" not found`);
  const next = markdown.indexOf("\n## ", start + heading.length + 2);
  return markdown.slice(start, next === -1 ? undefined : next);
}

function script(blocks: string[]): string {
  const lines = blocks.join("\n").split("\n").map((line) => (/--follow\b/.test(line) ? `{ timeout 5 ${line} || [ $? -eq 124 ]; }` : line));
  return ["set -euo pipefail", "set -x", ...lines].join("\n");
}

function runBash(source: string, env: Record<string, string>, cwd: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const p = spawn("bash", ["-c", source], { cwd, env: cleanEnv(env), stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (b: Buffer) => (stdout += b.toString()));
    p.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
    p.on("error", reject);
    p.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("shell commands in the docs", () => {
  let d: DaemonHandle;
  let env: Record<string, string>;
  let work: string;

  before(async () => {
    d = await startDaemon();
    work = tempDir("agentctl-docs-");
    const binDir = join(work, "bin");
    mkdirSync(binDir);
    symlinkSync(AGENTCTL_BIN, join(binDir, "agentctl"));
    env = { AGENTCTL_URL: d.url, PATH: `${binDir}:${process.env.PATH}` };
  });
  after(async () => {
    await d.stop();
    cleanup(d.dataDir);
    cleanup(work);
  });

  it("README quick start", async () => {
    const blocks = bashBlocks(section(readFileSync(join(ROOT, "README.md"), "utf8"), "## Quick start with agentctl"));
    assert.ok(blocks.length >= 1, "the quick start has a bash block");
    const r = await runBash(script(blocks), env, work);
    assert.equal(r.code, 0, `README quick start failed:\n${r.stderr}`);
    assert.match(r.stdout, /^completed$/m);
    assert.match(r.stdout, /^hello$/m);
    assert.match(r.stdout, /run\.completed/);
  });

  it("skills/agent-orchestrator-cli/SKILL.md", async () => {
    const blocks = bashBlocks(readFileSync(join(ROOT, "skills/agent-orchestrator-cli/SKILL.md"), "utf8"));
    assert.ok(blocks.length >= 3, "the skill has bash blocks");
    const r = await runBash(script(blocks), env, work);
    assert.equal(r.code, 0, `SKILL.md commands failed:\n${r.stderr}`);
    assert.match(r.stdout, /^ok$/m, "preflight prints daemon_health ok");
    assert.match(r.stdout, /^run run_\S+ ended completed$/m);
    assert.match(r.stdout, /^ready$/m);
    const follows = blocks.join("\n").split("\n").filter((l) => /--follow\b/.test(l)).length;
    if (follows) assert.ok(r.stdout.split("\n").filter((l) => l === "run.completed").length >= 2, "tail and tail --follow both printed events");
  });
});
