import { readdirSync, readFileSync } from "node:fs";
import { pidAlive } from "../http/routes/diagnose.ts";
import type { Gateway } from "../kernel/gateway.ts";
import type { Logger } from "../providers/types.ts";
import { processStart, sameProcessStart } from "../queue/process-identity.ts";

/** A run left `running` by a dead daemon is failed (and its process killed); queued runs just run again. */
export async function recoverInterruptedRuns(gateway: Gateway, log: Logger): Promise<void> {
  const { runs } = gateway.services;
  // Children whose pid never became durable (or whose run's "running" mark was lost) are found by
  // the run id in their environment.
  const unfinished = new Set([...runs.listByStatus("running"), ...runs.listByStatus("queued")].map((r) => r.id));
  for (const orphan of findRunProcesses(unfinished)) {
    killProcessTree(orphan.pid);
    log.warn("killed a process left by an interrupted run", { run_id: orphan.runId, pid: orphan.pid, proof: "AGENTD_RUN_ID in its environment" });
  }
  for (const run of runs.listByStatus("running")) {
    let killed = "";
    if (run.pid && pidAlive(run.pid)) {
      const proof = runProcessProof(run.pid, run.id, runs.pidStart(run.id));
      if (proof) {
        killProcessTree(run.pid);
        killed = ` (its process ${run.pid} was killed)`;
        log.warn("killed the stored process of an interrupted run", { run_id: run.id, pid: run.pid, proof });
      } else {
        log.warn("left a process alone: the run's stored pid now belongs to another process (pid reused, e.g. after a reboot)", { run_id: run.id, pid: run.pid });
      }
    }
    const error = `the daemon restarted while this run was running${killed}; send the message again`;
    await runs.finish(run, { status: "failed", error, data: { recovered: true } });
    log.warn("recovered interrupted run", { run_id: run.id, error });
  }
}

/**
 * Why the live process `pid` is the run's own, or null when nothing proves it: its environment
 * names the run, or it started when the process recorded with the run did. An existence check is
 * not enough: the pid may have been reused by any process since.
 */
export function runProcessProof(pid: number, runId: string, recordedStart: string | null): string | null {
  if (runIdOf(pid) === runId) return "AGENTD_RUN_ID in its environment";
  const current = processStart(pid);
  if (recordedStart && current && sameProcessStart(recordedStart, current)) return "start time matches the one recorded with the run";
  return null;
}

function runIdOf(pid: number): string | null {
  try {
    return /(?:^|\0)AGENTD_RUN_ID=([^\0]+)/.exec(readFileSync(`/proc/${pid}/environ`, "latin1"))?.[1] ?? null;
  } catch {
    return null; // not ours to read, or exited
  }
}

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
    const runId = runIdOf(Number(name));
    if (runId && runIds.has(runId)) found.push({ pid: Number(name), runId });
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
