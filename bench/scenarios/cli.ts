// CLI start-up: wall time of `agentctl --help` and `agentctl daemon status` (against a running
// daemon) against a bare `node -e ''`.
import { spawnSync } from "node:child_process";
import type { Figure } from "../lib/figures.ts";
import { nowMs } from "../lib/clock.ts";
import { benchDaemon, ROOT, stopDaemon } from "../lib/processes.ts";
import { AGENTCTL_BIN } from "../../test/support/daemon.ts";
import type { Profile } from "../profiles.ts";

function timed(args: string[], env: Record<string, string>): number {
  const t0 = nowMs();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8" });
  const ms = nowMs() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited with ${r.status}: ${r.stderr.slice(0, 1000)}`);
  return ms;
}

export async function cli(p: Profile): Promise<Figure[]> {
  const daemon = await benchDaemon();
  const env = { AGENTCTL_URL: daemon.url };
  const node: number[] = [], help: number[] = [], status: number[] = [];
  try {
    timed([AGENTCTL_BIN, "--help"], env); // warm the file cache once
    for (let rep = 0; rep < p.cli.reps; rep++) {
      node.push(timed(["-e", ""], env));
      help.push(timed([AGENTCTL_BIN, "--help"], env));
      status.push(timed([AGENTCTL_BIN, "daemon", "status"], env));
    }
  } finally {
    await stopDaemon(daemon);
  }
  const baseline = { label: "node -e ''", samples: node };
  return [
    { id: "cli.help", group: "CLI", title: "agentctl --help wall time", unit: "ms", samples: help, baseline },
    { id: "cli.daemon_status", group: "CLI", title: "agentctl daemon status wall time", unit: "ms", samples: status, baseline, note: "against a running daemon on loopback" },
  ];
}
