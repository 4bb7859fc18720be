import type { Run } from "@agentd/core/client";
import { duration, relativeTime, status, table } from "../output/style.ts";

export function runTable(runs: Run[]): string {
  if (runs.length === 0) return "no runs match";
  return table(
    ["RUN", "STATUS", "SESSION", "PROVIDER", "CREATED", "DURATION"],
    runs.map((r) => [r.id, status(r.status), r.session_id, r.provider ?? r.requested_provider, relativeTime(r.created_at), r.started_at ? duration(r.started_at, r.ended_at) : "-"]),
  );
}
