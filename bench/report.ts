// Renders docs/benchmarks.md: the machine, the command, and every figure with its median, spread,
// baseline, ratio and target.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cpus, release, totalmem } from "node:os";
import { summarizeFigure, type Results } from "./lib/figures.ts";
import { ROOT } from "./lib/processes.ts";
import type { Profile } from "./profiles.ts";

export const fmt = (v: number | null | undefined): string => {
  if (v === null || v === undefined || Number.isNaN(v)) return "n/a";
  const a = Math.abs(v);
  if (a >= 1000) return Math.round(v).toLocaleString("en-US");
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toFixed(3);
};

function gitCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

export function renderReport(results: Results, ctx: { profile: Profile; command: string; totalS: number }): string {
  const cpu = cpus();
  const lines: string[] = [
    "# Benchmarks",
    "",
    "Written by the bench suite (`bench/run.ts`); do not edit by hand. Every figure is measured",
    "several times in one invocation and compared with a baseline measured on the same machine in",
    "the same invocation: absolute numbers on a shared machine are noise, the ratios are the point.",
    "",
    "## Run",
    "",
    `- Command: \`${ctx.command}\` (profile \`${ctx.profile.name}\`, ${ctx.profile.reps} repetitions per figure), ${ctx.totalS.toFixed(0)} s in all`,
    `- Date: ${new Date().toISOString()}; commit ${gitCommit()}`,
    `- Machine: ${cpu.length} x ${cpu[0]?.model ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Linux ${release()}, Node ${process.version}`,
    `- Scenario times: ${Object.entries(results.timings).map(([k, v]) => `${k} ${v.toFixed(0)} s`).join(", ")}`,
    "",
    "## Figures",
    "",
    "Median and spread (min to max) over the repetitions; ratio = median / baseline median.",
    "",
  ];
  const groups = [...new Set(results.figures.map((f) => f.group))];
  for (const group of groups) {
    lines.push(`### ${group}`, "", "| figure | median | spread | baseline (median) | ratio | target |", "| --- | --- | --- | --- | --- | --- |");
    const notes: string[] = [];
    for (const f of results.figures.filter((x) => x.group === group).map(summarizeFigure)) {
      const target = f.target ? `${f.target.text}: ${f.target.met ? "**met**" : "**missed**"}` : "";
      const baseline = f.baseline ? `${fmt(f.baselineMedian)} ${f.unit} (${f.baseline.label})` : "none";
      lines.push(`| ${f.title} | ${fmt(f.median)} ${f.unit} | ${fmt(f.min)} to ${fmt(f.max)} (n=${f.samples.length}) | ${baseline} | ${f.ratio === null ? "n/a" : `${fmt(f.ratio)}x`} | ${target} |`);
      if (f.note) notes.push(`- ${f.title}: ${f.note}`);
    }
    lines.push("", ...notes, "");
  }
  // The hand-written analysis (profiles, causes, fixes) belongs with the full run's figures.
  if (ctx.profile.name === "full") lines.push(readFileSync(join(ROOT, "bench", "analysis.md"), "utf8"));
  if (results.failures.length) {
    lines.push("## Failed scenarios", "");
    for (const f of results.failures) lines.push(`- ${f.scenario}: \`${f.error.split("\n")[0]}\``);
    lines.push("");
  }
  return lines.join("\n");
}
