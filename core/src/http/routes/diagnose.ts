import type { Gateway } from "../../kernel/gateway.ts";
import type { QueueCounts, Run } from "../../types.ts";

export function queueCounts(gateway: Gateway): QueueCounts {
  const c = gateway.services.runs.counts();
  return { queued_count: c.queued, running_count: c.running, completed_count: c.completed, failed_count: c.failed, canceled_count: c.canceled };
}

export function pidAlive(pid: number | null): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Facts about one run and a plain sentence when something looks wrong. */
export async function diagnoseRun(gateway: Gateway, run: Run): Promise<Record<string, unknown>> {
  const { queue, executor, runs } = gateway.services;
  const active = executor.active.get(run.id);
  const providerName = run.provider ?? (run.requested_provider === "auto" ? null : run.requested_provider);
  const provider = providerName ? gateway.providers.get(providerName) : undefined;
  const availability = provider?.availability ? await provider.availability() : provider ? { ok: true } : { ok: false, reason: providerName ? `provider "${providerName}" is not registered` : undefined };
  const pid = active?.pid ?? run.pid;
  const pidIsAlive = pidAlive(pid);
  const counts = queueCounts(gateway);
  const position = run.status === "queued" ? queue.position(run.id) : null;

  let likely: string | null = null;
  if (run.status === "queued") {
    const busy = runs.listByStatus("running").find((r) => r.session_id === run.session_id);
    if (queue.aliveWorkers === 0) likely = "the run is queued but no worker is alive: restart the daemon (agentd) and check its log";
    else if (busy) likely = `waiting for run ${busy.id} of the same session to finish (one run at a time per session)`;
    else if (position === null) likely = "the run is queued in storage but not in the in-memory queue: restart the daemon to reload the queue";
  } else if (run.status === "running") {
    if (!active) likely = "the run is marked running but no worker is executing it (stale state): cancel it with `agentctl run cancel` and resend the message";
    else if (run.pid && !pidIsAlive) likely = `the run is running but its process ${run.pid} is gone: cancel it with \`agentctl run cancel\` and resend the message`;
  } else if (run.status === "failed") {
    likely = !availability.ok && availability.reason ? `provider ${providerName} is unavailable: ${availability.reason}` : `the run failed: ${run.error ?? "no error recorded"}`;
  }

  return {
    run_id: run.id,
    status: run.status,
    worker_id: active ? queue.workerOf(run.id)?.id ?? run.worker_id : run.worker_id,
    worker_alive: run.worker_id ? queue.isWorkerAlive(run.worker_id) : false,
    alive_workers: queue.aliveWorkers,
    max_concurrency: queue.maxConcurrency,
    queue_counts: counts,
    queue_position: position,
    active_pid: pid,
    pid_alive: pidIsAlive,
    provider: providerName,
    requested_provider: run.requested_provider,
    routing: run.routing,
    provider_available: availability.ok,
    provider_unavailable_reason: availability.ok ? null : availability.reason ?? null,
    ...(provider?.describe?.() ?? {}),
    ...(active?.diagnostics ?? {}),
    likely_issue: likely,
    ...Object.fromEntries(gateway.diagnostics.list().map((d) => [d.name, d.forRun(run)])),
  };
}
