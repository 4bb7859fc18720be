// `npm run bench [-- --profile full|smoke] [--only a,b] [--out file.md] [--json file.json]`
// Runs every scenario in order (each starts and stops its own daemon and baselines), then writes
// the Markdown report (docs/benchmarks.md for the full profile) and optionally the raw JSON.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { killChildren, ROOT } from "./lib/processes.ts";
import { Results } from "./lib/figures.ts";
import { renderReport } from "./report.ts";
import { PROFILES, type Profile } from "./profiles.ts";
import { SCENARIOS } from "./scenarios/index.ts";

const { values } = parseArgs({
  options: {
    profile: { type: "string", default: "full" },
    only: { type: "string" },
    out: { type: "string" },
    json: { type: "string" },
  },
});
const profile: Profile | undefined = PROFILES[values.profile as Profile["name"]];
if (!profile) {
  console.error(`unknown profile "${values.profile}"; use one of: ${Object.keys(PROFILES).join(", ")}`);
  process.exit(2);
}
const only = values.only?.split(",").map((s) => s.trim()).filter(Boolean);
const unknown = only?.filter((name) => !SCENARIOS.some((s) => s.name === name));
if (unknown?.length) {
  console.error(`unknown scenario(s) ${unknown.join(", ")}; scenarios: ${SCENARIOS.map((s) => s.name).join(", ")}`);
  process.exit(2);
}
const out = values.out ?? (profile.name === "full" && !only ? "docs/benchmarks.md" : null);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    killChildren();
    process.exit(130);
  });
}

const results = new Results();
const started = Date.now();
for (const scenario of SCENARIOS) {
  if (only && !only.includes(scenario.name)) continue;
  const t0 = Date.now();
  process.stderr.write(`bench: ${scenario.name} ...\n`);
  try {
    results.add(...(await scenario.run(profile)));
  } catch (err) {
    results.failures.push({ scenario: scenario.name, error: err instanceof Error ? err.stack ?? err.message : String(err) });
    process.stderr.write(`bench: ${scenario.name} FAILED: ${String(err)}\n`);
  }
  results.timings[scenario.name] = (Date.now() - t0) / 1000;
  process.stderr.write(`bench: ${scenario.name} done in ${results.timings[scenario.name].toFixed(1)} s\n`);
}
const totalS = (Date.now() - started) / 1000;
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
const report = renderReport(results, { profile, command, totalS });
if (out) writeFileSync(resolve(ROOT, out), report + keepWebConsoleSection(resolve(ROOT, out)));
if (values.json) writeFileSync(resolve(values.json), JSON.stringify({ profile: profile.name, total_s: totalS, timings: results.timings, failures: results.failures, figures: results.figures }, null, 2));
process.stdout.write(report);
process.exit(results.failures.length ? 1 : 0);

/** The "## Web console" section (the last one) is written by `npm run console:bench`: keep it. */
function keepWebConsoleSection(path: string): string {
  const old = existsSync(path) ? readFileSync(path, "utf8") : "";
  const at = old.indexOf("\n## Web console\n");
  return at === -1 ? "" : `\n${old.slice(at + 1)}`;
}
