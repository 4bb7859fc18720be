import { readdirSync, readFileSync } from "node:fs";

/**
 * Processes started for runs by a daemon that died: every process whose environment carries
 * `AGENTD_RUN_ID=<one of runIds>` (the run env providers hand to their children). A pid stored on
 * the run is not enough: a crash between a provider spawning its child and that pid becoming
 * durable leaves the child unknown to the database. Linux only (/proc); elsewhere none are found.
 */
export function findRunProcesses(runIds: ReadonlySet<string>): Array<{ pid: number; runId: string }> {
  if (runIds.size === 0) return [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const found: Array<{ pid: number; runId: string }> = [];
  for (const name of entries) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const env = readFileSync(`/proc/${name}/environ`, "latin1");
      const m = /(?:^|\0)AGENTD_RUN_ID=([^\0]+)/.exec(env);
      if (m && runIds.has(m[1])) found.push({ pid: Number(name), runId: m[1] });
    } catch {
      /* not ours to read, or exited */
    }
  }
  return found;
}

/** SIGKILL a process and, when it leads one, its whole process group. */
export function killProcessTree(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, "SIGKILL");
    } catch {
      /* not a group leader, or already gone */
    }
  }
}
