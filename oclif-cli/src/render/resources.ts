/** Pretty views of API resources: aligned key facts, coloured statuses, relative times. */
import type { AgentEvent, DaemonStatus, DiagnoseResponse, Message, Run, Session } from "@agentd/core/client";
import { duration, keyValues, relativeTime, status, table, truncate } from "../output/style.ts";
import { waitingLine } from "../escalations.ts";

export function sessionView(s: Session): string {
  return keyValues([
    ["session", s.id],
    ["title", s.title],
    ["provider", s.provider],
    ["model", s.model],
    ["cwd", s.cwd],
    ["owner", s.owner],
    ["parent", s.parent_session_id ? `${s.parent_session_id} (run ${s.parent_run_id ?? "-"})` : null],
    ["created", relativeTime(s.created_at)],
  ]);
}

export function sessionTable(sessions: Session[]): string {
  if (sessions.length === 0) return "no sessions yet: create one with `agentctl session create`";
  return table(
    ["SESSION", "PROVIDER", "TITLE", "CREATED"],
    sessions.map((s) => [s.id, s.provider, truncate(s.title, 40), relativeTime(s.created_at)]),
  );
}

/** A cancel or transition answer: the run, and what to do when its provider is still stopping (202). */
export function runChangeView(r: { run: Run; stopping?: true }): string {
  if (!r.stopping) return runView(r.run);
  return `${runView(r.run)}\nstop requested: the provider has not stopped yet; the run ends once it does (agentctl run wait --run-id ${r.run.id})`;
}

export function runView(r: Run): string {
  return keyValues([
    ["run", r.id],
    ["status", status(r.status)],
    ["session", r.session_id],
    ["provider", r.provider ? `${r.provider}${r.requested_provider !== r.provider ? ` (requested ${r.requested_provider})` : ""}` : r.requested_provider],
    ["created", relativeTime(r.created_at)],
    ["duration", r.started_at ? duration(r.started_at, r.ended_at) : null],
    ["output", r.output === null ? null : truncate(r.output, 200)],
    ["error", r.error],
    ...(r.waiting ? [["waiting", waitingLine(r.id, r.waiting)] as [string, string]] : []),
  ]);
}

export function messageRunView(m: Message, r: Run): string {
  return `${keyValues([
    ["message", m.id],
    ["text", truncate(m.text, 80)],
  ])}\n${runView(r)}`;
}

export function diagnoseView(d: DiagnoseResponse): string {
  const rows = Object.entries(d.diagnostics)
    .filter(([k]) => k !== "likely_issue" && k !== "run_id")
    .map(([k, v]): [string, string] => [k, typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)]);
  return `${runView(d.run)}\n\n${keyValues(rows)}\n\nlikely issue: ${d.diagnostics.likely_issue ?? "none found"}`;
}

export function daemonView(s: DaemonStatus): string {
  const q = s.queue_counts;
  const full = s.detail !== "reduced";
  const rows: [string, string | number | null | undefined][] = [
    ["health", status(s.daemon_health)],
    ["url", s.url],
    ["version", `${s.version} (${s.build})`],
    ["pid", s.pid],
    ["uptime", `${s.uptime_s}s (started ${relativeTime(s.started_at)})`],
    ["workers", `${s.alive_workers}/${s.max_concurrency} alive`],
    [full ? "queue" : "your runs", `${q.queued_count} queued, ${q.running_count} running, ${q.completed_count} completed, ${q.failed_count} failed, ${q.canceled_count} canceled`],
    ["storage", s.storage ? `${s.storage.kind} ${s.db_path ?? ""}`.trim() : null],
    ["auth", s.auth_required ? "required" : "off (local mode)"],
    ["providers", s.providers.map((p) => `${p.name}${p.available ? "" : ` (unavailable: ${p.reason ?? "?"})`}`).join(", ")],
    ["transports", s.transports?.map((t) => String(t.name)).join(", ")],
    ["plugins", s.plugins?.map((p) => p.name).join(", ")],
    ["last event", s.last_seq],
  ];
  // A non-admin token sees less: say so instead of printing dashes for what it may not see.
  const shown = full ? rows : rows.filter(([, v]) => v !== undefined && v !== null);
  if (!full) shown.push(["detail", s.detail_note ?? "reduced (an admin token shows more)"]);
  return keyValues(shown);
}

/** Column widths: the longest built-in event type is 24 characters, a run id 20 (`run_` + 16). */
const TYPE_WIDTH = 24;
const RUN_WIDTH = 20;

/** One line per event: seq, time, type, run, a short view of the data, in aligned columns. */
export function eventLine(e: AgentEvent): string {
  const data = JSON.stringify(e.data);
  return `${String(e.seq).padStart(6)}  ${e.created_at}  ${e.event_type.padEnd(TYPE_WIDTH)}  ${(e.run_id ?? "-").padEnd(RUN_WIDTH)}  ${truncate(data, 120)}`;
}
