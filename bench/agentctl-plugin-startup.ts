// `node --import tsx bench/agentctl-plugin-startup.ts [runs]`: agentctl start-up with and without a
// plugin's commands (hyperfine-style: warm-up, then alternating timed runs, medians). Not part of
// `npm run bench`; the figure is in docs/benchmarks.md ("agentctl start-up with a plugin").
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const AGENTCTL = join(ROOT, "bin", "agentctl");
const PLUGIN = join(ROOT, "examples", "custom-provider");
const runs = Number(process.argv[2] ?? 15);
const dataDir = mkdtempSync(join(tmpdir(), "agentctl-bench-"));

function env(extra: Record<string, string>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, AGENTCTL_DATA_DIR: dataDir, AGENTCTL_URL: "http://127.0.0.1:1", ...extra };
  if (!("AGENTD_PLUGINS" in extra)) delete e.AGENTD_PLUGINS;
  return e;
}

/** One agentctl start: a command's --help (no network) measures start-up plus loading one command. */
function once(args: string[], e: NodeJS.ProcessEnv): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [AGENTCTL, ...args], { env: e, cwd: ROOT, stdio: "ignore" });
  if (r.status !== 0) throw new Error(`agentctl ${args.join(" ")} exited ${r.status}`);
  return Number(process.hrtime.bigint() - t) / 1e6;
}

const linkedDataDir = mkdtempSync(join(tmpdir(), "agentctl-bench-linked-"));
const linked = { ...env({}), AGENTCTL_DATA_DIR: linkedDataDir };
once(["plugins", "link", PLUGIN, "--no-install"], linked);
const cases: { name: string; args: string[]; env: NodeJS.ProcessEnv }[] = [
  { name: "no plugin: session get --help", args: ["session", "get", "--help"], env: env({}) },
  { name: "AGENTD_PLUGINS=<plugin>: session get --help", args: ["session", "get", "--help"], env: env({ AGENTD_PLUGINS: PLUGIN }) },
  { name: "plugins link <plugin>: session get --help", args: ["session", "get", "--help"], env: linked },
  { name: "AGENTD_PLUGINS=<plugin>: shout say --help", args: ["shout", "say", "--help"], env: env({ AGENTD_PLUGINS: PLUGIN }) },
];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  for (const c of cases) once(c.args, c.env); // warm-up (tsx cache, manifests)
  const times = cases.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) cases.forEach((c, j) => times[j].push(once(c.args, c.env)));
  const base = median(times[0]);
  for (const [j, c] of cases.entries()) {
    const m = median(times[j]);
    console.log(`${c.name.padEnd(46)} median ${m.toFixed(0).padStart(5)} ms  min ${Math.min(...times[j]).toFixed(0).padStart(5)} ms  ${j ? `${((m / base - 1) * 100).toFixed(1)}% vs no plugin` : ""}`);
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(linkedDataDir, { recursive: true, force: true });
}
