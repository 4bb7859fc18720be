import type { Gateway } from "../../kernel/gateway.ts";
import type { Principal, QueueCounts, Run, RunStatus } from "../../types.ts";
import { toolCallSummary } from "../../services/approvals.ts";

const toQueueCounts = (c: Record<RunStatus, number>): QueueCounts => ({ queued_count: c.queued, running_count: c.running, completed_count: c.completed, failed_count: c.failed, canceled_count: c.canceled });

export function queueCounts(gateway: Gateway): QueueCounts {
  return toQueueCounts(gateway.services.runs.counts());
}

/** Counts of the runs a non-admin may see: a user's own sessions, or a run token's tree. */
export function principalQueueCounts(gateway: Gateway, principal: Principal): QueueCounts {
  const c: Record<RunStatus, number> = { queued: 0, running: 0, completed: 0, failed: 0, canceled: 0 };
  const rows = principal.run
    ? gateway.services.db.read.all(
        `WITH RECURSIVE tree(id) AS (SELECT ? UNION SELECT s.id FROM sessions s JOIN tree t ON s.parent_session_id = t.id)
         SELECT status, COUNT(*) AS n FROM runs WHERE session_id IN tree GROUP BY status`,
        [principal.run.session_id],
      )
    : gateway.services.db.read.all("SELECT r.status AS status, COUNT(*) AS n FROM runs r JOIN sessions s ON s.id = r.session_id WHERE s.owner = ? GROUP BY r.status", [principal.id]);
  for (const row of rows) c[row.status as RunStatus] = Number(row.n);
  return toQueueCounts(c);
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

/** What a run waiting for an answer needs, and the command that gives it. */
export function waitingSentence(w: NonNullable<Run["waiting"]>): string {
  const what =
    w.approval.kind === "command" ? `to run \`${w.approval.command ?? "?"}\``
    : w.approval.kind === "tool" ? `to use the tool ${toolCallSummary(w.approval)}`
    : `to change ${(w.approval.changes ?? []).map((c) => c.path).join(", ") || "files"}`;
  return `the run is waiting for approval ${what} (escalation ${w.escalation_id}, raised to session ${w.raised_to_session_id} since ${w.since}): ` +
    `answer it with \`agentctl escalation resolve --escalation-id ${w.escalation_id} --decision approve|approve_for_session|deny\``;
}

/** Facts about one run and a plain sentence when something looks wrong. */
export async function diagnoseRun(gateway: Gateway, run: Run, principal: Principal): Promise<Record<string, unknown>> {
  const { queue, executor, runs } = gateway.services;
  const active = executor.active.get(run.id);
  const providerName = run.provider ?? (run.requested_provider === "auto" ? null : run.requested_provider);
  const provider = providerName ? gateway.providers.get(providerName) : undefined;
  const availability = provider?.availability ? await provider.availability() : provider ? { ok: true } : { ok: false, reason: providerName ? `provider "${providerName}" is not registered` : undefined };
  const pid = active?.pid ?? run.pid;
  const pidIsAlive = pidAlive(pid);
  // Daemon-wide counts are admin detail, as in /daemon/status; others get their own.
  const counts = principal.admin ? queueCounts(gateway) : principalQueueCounts(gateway, principal);
  const position = run.status === "queued" ? queue.position(run.id) : null;

  let likely: string | null = null;
  if (run.status === "queued") {
    const busy = runs.listByStatus("running").find((r) => r.session_id === run.session_id);
    if (queue.aliveWorkers === 0) likely = "the run is queued but no worker is alive: restart the daemon (agentd) and check its log";
    else if (busy) likely = `waiting for run ${busy.id} of the same session to finish (one run at a time per session)`;
    else if (position === null) likely = "the run is queued in storage but not in the in-memory queue: restart the daemon to reload the queue";
  } else if (run.status === "running") {
    if (run.waiting) likely = waitingSentence(run.waiting);
    else if (!active) likely = "the run is marked running but no worker is executing it (stale state): cancel it with `agentctl run cancel` and resend the message";
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
    waiting: run.waiting,
    provider_available: availability.ok,
    provider_unavailable_reason: availability.ok ? null : availability.reason ?? null,
    ...(provider?.describe?.() ?? {}),
    ...(active?.diagnostics ?? {}),
    likely_issue: likely,
    ...Object.fromEntries(gateway.diagnostics.list().map((d) => [d.name, d.forRun(run)])),
  };
}
