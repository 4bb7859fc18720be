import { AgentdError } from "../errors.ts";
import type { StorageReader } from "../storage/types.ts";
import type { Session } from "../types.ts";

export interface RunLimits {
  maxQueuedPerSession: number;
  maxQueuedPerPrincipal: number;
}

/**
 * Queued-run caps, checked on every enqueue. Counts live in memory (loaded once at start-up,
 * updated as runs enter and leave `queued`), so the check costs two map lookups instead of two
 * COUNT queries that grow with the queue.
 */
export class QueueLimits {
  private readonly runs = new Map<string, { session: string; owner: string }>();
  private readonly bySession = new Map<string, number>();
  private readonly byOwner = new Map<string, number>();

  constructor(
    private readonly limits: RunLimits,
    read: StorageReader,
  ) {
    const rows = read.all("SELECT r.id AS id, r.session_id AS session, s.owner AS owner FROM runs r JOIN sessions s ON s.id = r.session_id WHERE r.status = 'queued'");
    for (const r of rows) this.add(String(r.id), String(r.session), String(r.owner));
  }

  add(runId: string, session: string, owner: string): void {
    if (this.runs.has(runId)) return;
    this.runs.set(runId, { session, owner });
    this.bySession.set(session, (this.bySession.get(session) ?? 0) + 1);
    this.byOwner.set(owner, (this.byOwner.get(owner) ?? 0) + 1);
  }

  /** The run left `queued` (started, canceled or failed). */
  remove(runId: string): void {
    const entry = this.runs.get(runId);
    if (!entry) return;
    this.runs.delete(runId);
    decrement(this.bySession, entry.session);
    decrement(this.byOwner, entry.owner);
  }

  /** Refuse a run that would exceed the caps (429, with the numbers). */
  assertRoom(session: Session): void {
    const perSession = this.bySession.get(session.id) ?? 0;
    if (perSession >= this.limits.maxQueuedPerSession) {
      throw new AgentdError("rate_limited", `session ${session.id} already has ${perSession} queued runs (limit ${this.limits.maxQueuedPerSession}, --max-queued-per-session); wait for some to finish`, {
        limit: "max_queued_per_session", queued: perSession, max: this.limits.maxQueuedPerSession,
      });
    }
    const perOwner = this.byOwner.get(session.owner) ?? 0;
    if (perOwner >= this.limits.maxQueuedPerPrincipal) {
      throw new AgentdError("rate_limited", `the session owner already has ${perOwner} queued runs (limit ${this.limits.maxQueuedPerPrincipal}, --max-queued-per-principal); wait for some to finish`, {
        limit: "max_queued_per_principal", queued: perOwner, max: this.limits.maxQueuedPerPrincipal,
      });
    }
  }
}

function decrement(map: Map<string, number>, key: string): void {
  const n = (map.get(key) ?? 1) - 1;
  if (n <= 0) map.delete(key);
  else map.set(key, n);
}
