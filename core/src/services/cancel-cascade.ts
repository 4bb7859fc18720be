import type { StorageReader } from "../storage/types.ts";
import type { Run } from "../types.ts";
import { toRun } from "./rows.ts";

export interface DescendantRun {
  run: Run;
  /** The run that spawned the descendant's session. */
  parentRunId: string | null;
}

/**
 * Queued and running runs of every session below `runId`: the sessions it spawned, and every
 * session under those (any of their runs may have spawned them), breadth first.
 */
export function liveDescendantRuns(read: StorageReader, runId: string): DescendantRun[] {
  const out: DescendantRun[] = [];
  const seen = new Set<string>();
  let frontier = read.all("SELECT id, parent_run_id FROM sessions WHERE parent_run_id = ?", [runId]);
  while (frontier.length) {
    const next: typeof frontier = [];
    for (const s of frontier) {
      const id = String(s.id);
      if (seen.has(id)) continue;
      seen.add(id);
      for (const r of read.all("SELECT * FROM runs WHERE session_id = ? AND status IN ('queued', 'running') ORDER BY pos", [id])) {
        out.push({ run: toRun(r), parentRunId: s.parent_run_id === null ? null : String(s.parent_run_id) });
      }
      next.push(...read.all("SELECT id, parent_run_id FROM sessions WHERE parent_session_id = ?", [id]));
    }
    frontier = next;
  }
  return out;
}
