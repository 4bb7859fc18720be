// CI smoke run of the bench suite: the smoke profile must finish, report every figure with a
// positive median, lose or duplicate no streamed event, and write a complete Markdown report.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { cleanup, ROOT, tempDir } from "../support/daemon.ts";
import type { Figure } from "../../bench/lib/figures.ts";
import { median } from "../../bench/lib/stats.ts";

const EXPECTED = [
  "write.throughput", "write.p99",
  "fanout.burst_rate", "fanout.burst_p50", "fanout.burst_p99", "fanout.fixed_p50", "fanout.fixed_p99", "fanout.fixed_rate", "fanout.lost_duplicated",
  "queue.p50", "queue.p99", "queue.runs_per_s", "queue.loaded_p50",
  "recovery.startup", "recovery.replay_rate", "memory.per_100k_events", "memory.per_1000_streams",
  "cli.help", "cli.daemon_status",
];

function runBench(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/run.ts", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("exit", (code) => resolve({ code, output }));
  });
}

test("the bench suite's smoke profile reports every figure, sane and complete", { timeout: 600_000 }, async () => {
  const dir = tempDir("agentd-bench-smoke-");
  try {
    const md = join(dir, "benchmarks.md");
    const json = join(dir, "results.json");
    const { code, output } = await runBench(["--profile", "smoke", "--out", md, "--json", json]);
    assert.equal(code, 0, `bench exited with ${code}:\n${output.slice(-4000)}`);
    const results = JSON.parse(readFileSync(json, "utf8")) as { profile: string; failures: unknown[]; figures: Figure[] };
    assert.equal(results.profile, "smoke");
    assert.deepEqual(results.failures, []);
    const byId = new Map(results.figures.map((f) => [f.id, f]));
    assert.deepEqual(EXPECTED.filter((id) => !byId.has(id)), [], "figures missing from the results");
    for (const f of results.figures) {
      assert.ok(f.samples.length >= 2, `${f.id}: repeated at least twice (got ${f.samples.length})`);
      assert.ok(f.samples.every(Number.isFinite), `${f.id}: finite samples ${JSON.stringify(f.samples)}`);
      if (f.baseline && !f.id.startsWith("memory.")) assert.ok(median(f.baseline.samples) > 0, `${f.id}: baseline median > 0 (${JSON.stringify(f.baseline.samples)})`);
      if (f.id === "fanout.lost_duplicated") assert.deepEqual(f.samples.filter((s) => s !== 0), [], "no streamed event lost or duplicated");
      // RSS deltas at smoke scale (100k events, 400 streams) are within GC noise and may be negative.
      else if (!f.id.startsWith("memory.")) assert.ok(median(f.samples) > 0, `${f.id}: median > 0 (${JSON.stringify(f.samples)})`);
    }
    const report = readFileSync(md, "utf8");
    for (const f of results.figures) assert.ok(report.includes(`| ${f.title} |`), `report has a row for ${f.id}`);
    assert.match(report, /Command: `npm run bench -- --profile smoke/);
    assert.match(report, /Machine: \d+ x /);
    assert.doesNotMatch(report, /Failed scenarios/);
  } finally {
    cleanup(dir);
  }
});

test("the bench suite refuses an unknown profile or scenario with a clear message", async () => {
  const profile = await runBench(["--profile", "huge"]);
  assert.equal(profile.code, 2);
  assert.match(profile.output, /unknown profile "huge"; use one of: full, smoke/);
  const scenario = await runBench(["--profile", "smoke", "--only", "nope"]);
  assert.equal(scenario.code, 2);
  assert.match(scenario.output, /unknown scenario\(s\) nope; scenarios: write-path/);
});
