import type { StorageReader } from "../storage/types.ts";
import type { Principal, Run, RunStatus } from "../types.ts";
import { toRun } from "./rows.ts";
import type { Page, SessionService } from "./sessions.ts";

export interface RunListOptions {
  limit: number;
  cursor?: string;
  sessionId?: string;
  status?: RunStatus;
}

/**
 * Runs of the sessions a principal can see, oldest first, paged by `pos` like sessions. Owners
 * are filtered in SQL; run tokens by session tree in code (page until the limit is met).
 */
export function listRuns(read: StorageReader, sessions: SessionService, principal: Principal, opts: RunListOptions): Page<Run> {
  const after = opts.cursor ? Number(opts.cursor) : 0;
  const where: string[] = ["r.pos > ?"];
  const params: (string | number)[] = [after];
  if (!principal.admin && !principal.run) {
    where.push("s.owner = ?");
    params.push(principal.id);
  }
  if (opts.sessionId) {
    where.push("r.session_id = ?");
    params.push(opts.sessionId);
  }
  if (opts.status) {
    where.push("r.status = ?");
    params.push(opts.status);
  }
  const items: Run[] = [];
  let lastPos = after;
  for (;;) {
    const rows = read.all(
      `SELECT r.* FROM runs r JOIN sessions s ON s.id = r.session_id WHERE ${where.join(" AND ")} ORDER BY r.pos LIMIT ?`,
      [...params, opts.limit + 1],
    );
    for (const row of rows) {
      if (items.length === opts.limit) return { items, next_cursor: String(lastPos) };
      lastPos = Number(row.pos);
      if (principal.run) {
        const session = sessions.find(String(row.session_id));
        if (!session || !sessions.canAccess(principal, session)) continue;
      }
      items.push(toRun(row));
    }
    if (rows.length <= opts.limit) return { items, next_cursor: null };
    params[0] = lastPos;
  }
}
