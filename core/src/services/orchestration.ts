import { AgentdError, conflict, validation } from "../errors.ts";
import type { GatewayHooks } from "../kernel/hooks.ts";
import type { Registry } from "../kernel/registry.ts";
import type { Provider } from "../providers/types.ts";
import type { Message, Principal, Run, Session } from "../types.ts";
import type { Db } from "./db.ts";
import { toRun, toSession } from "./rows.ts";
import { isTerminal, type Enqueued, type RunService } from "./runs.ts";
import type { MutationOptions, SessionService } from "./sessions.ts";

export interface SpawnInput {
  task: string;
  provider?: string;
  cwd?: string;
  model?: string;
  /** Wake the parent session when this child ends or raises an escalation (services/wake.ts). */
  wake_parent?: boolean;
}

export interface Spawned {
  session: Session;
  run: Run;
  message: Message;
}

export interface ChildSummary {
  session: Session;
  latest_run: Run | null;
}

/**
 * Agent to agent: spawn child sessions from a run, send into descendant sessions, list children.
 * The HTTP routes and the embedded runtime's tools both call this, so permission checks and hooks
 * are the same for both. Announcing a child's end lives in announcements.ts, escalations in
 * escalations.ts, the cancel cascade in run-control.ts.
 */
export class OrchestrationService {
  constructor(
    private readonly db: Db,
    private readonly sessions: SessionService,
    private readonly runs: RunService,
    private readonly hooks: GatewayHooks,
    private readonly providers: Registry<Provider>,
  ) {}

  /** A run the actor may act for: any visible run, but a run token only for its own run. */
  ownRun(runId: string, actor: Principal, action: string): Run {
    const run = this.runs.get(runId, actor);
    if (actor.run && actor.run.run_id !== run.id) {
      throw new AgentdError("forbidden", `a run token may ${action} only for its own run (${actor.run.run_id}), not for run ${run.id}`);
    }
    return run;
  }

  /** `POST /runs/:id/spawn`: a child of the run's session, spawned by that (queued or running) run. */
  async spawn(parentRunId: string, input: SpawnInput, opts: MutationOptions<Spawned>): Promise<Spawned> {
    const parentRun = this.ownRun(parentRunId, opts.actor, "spawn");
    assertLive(parentRun);
    const parentSession = this.sessions.find(parentRun.session_id);
    if (!parentSession) throw new AgentdError("not_found", `session ${parentRun.session_id} of run ${parentRun.id} no longer exists`);
    return this.spawnChild(parentSession, parentRun, input, opts, false);
  }

  /**
   * `POST /sessions/:id/spawn`: a child of a session started from outside any run (a client or an
   * operator). The session's running run, if there is one, is recorded as the parent run (so the
   * cancel cascade and per-run limits see the child); otherwise the child has no parent run.
   * Announce-back goes to the parent session either way (announcements.ts keys on the session).
   */
  async spawnFromSession(sessionId: string, input: SpawnInput, opts: MutationOptions<Spawned>): Promise<Spawned> {
    const parentSession = this.sessions.get(sessionId, opts.actor);
    const own = opts.actor.run;
    if (own && own.session_id !== parentSession.id) {
      throw new AgentdError("forbidden", `a run token may spawn only from its own session (${own.session_id}), not from session ${parentSession.id}; use POST /runs/${own.run_id}/spawn`);
    }
    const row = this.db.read.get("SELECT * FROM runs WHERE session_id = ? AND status = 'running' ORDER BY pos DESC LIMIT 1", [parentSession.id]);
    return this.spawnChild(parentSession, row ? toRun(row) : null, input, opts, true);
  }

  /** Run `onSpawn`, then create the child session, store the task as its first message and queue its run. */
  private async spawnChild(parentSession: Session, parentRun: Run | null, input: SpawnInput, opts: MutationOptions<Spawned>, fromSession: boolean): Promise<Spawned> {
    // Children inherit the parent session's provider, model and cwd unless the spawn names its own.
    const request = await this.hooks.onSpawn.promise({
      parentRun,
      parentSession,
      task: input.task,
      provider: input.provider ?? parentSession.provider,
      cwd: input.cwd ?? parentSession.cwd,
      model: input.model ?? parentSession.model,
      actor: opts.actor,
    });
    if (request.provider !== "auto" && !this.providers.has(request.provider)) {
      throw validation(`unknown provider "${request.provider}"; registered: auto, ${this.providers.names().join(", ")}`, [
        { path: "/provider", keyword: "enum", message: "unknown provider", allowed: ["auto", ...this.providers.names()] },
      ]);
    }
    return this.db.write((w) => {
      // The onSpawn taps awaited: the parent run may have ended (or been canceled) meanwhile.
      let parent = parentRun ? toRun(w.tx.get("SELECT * FROM runs WHERE id = ?", [parentRun.id])!) : null;
      if (parent && isTerminal(parent.status)) {
        if (!fromSession) assertLive(parent);
        parent = null; // a session spawn does not need the run: the child simply has no parent run
      }
      if (!w.tx.get("SELECT id FROM sessions WHERE id = ?", [parentSession.id])) throw new AgentdError("not_found", `session ${parentSession.id} no longer exists`);
      const session = this.sessions.insert(
        w.tx,
        w.event,
        { title: titleOf(request.task), provider: request.provider, model: request.model, cwd: request.cwd, parent: { session: parentSession, runId: parent?.id ?? null }, wakeParent: input.wake_parent },
        parentSession.owner,
      );
      const { message, run } = this.runs.insertQueued(
        w,
        session,
        { text: request.task, provider: request.provider, model: request.model, messageMeta: { spawned_by_run_id: parent?.id ?? null } },
        { spawned_by: opts.actor.id },
      );
      w.event(parentSession.id, parent?.id ?? null, "child.spawned", {
        child_session_id: session.id,
        child_run_id: run.id,
        parent_run_id: parent?.id ?? null,
        task: request.task,
        provider: request.provider,
        depth: session.depth,
        wake_parent: session.wake_parent,
      });
      const result: Spawned = { session, run, message };
      opts.inTx?.(w.tx, result);
      return result;
    });
  }

  /** A message into a session below the caller's (its descendants), queuing a run there. */
  async send(sessionId: string, input: { text: string }, opts: MutationOptions<Enqueued>): Promise<Enqueued> {
    const target = this.sessions.get(sessionId, opts.actor);
    const from = opts.actor.run;
    if (from && target.id === from.session_id) {
      throw new AgentdError("forbidden", `a run may send only to sessions below its own (the ones it spawned, and theirs); session ${target.id} is the run's own session. To reach the parent use reply-parent`);
    }
    const meta = from ? { from_session_id: from.session_id, from_run_id: from.run_id } : { from: opts.actor.id };
    return this.runs.enqueue(target, { text: input.text, messageMeta: meta }, opts);
  }

  /** Direct children of a session, oldest first, each with its latest run. */
  children(sessionId: string, actor: Principal): ChildSummary[] {
    const parent = this.sessions.get(sessionId, actor);
    return this.db.read.all("SELECT * FROM sessions WHERE parent_session_id = ? ORDER BY pos", [parent.id]).map((row) => {
      const session = toSession(row);
      const latest = this.db.read.get("SELECT * FROM runs WHERE session_id = ? ORDER BY pos DESC LIMIT 1", [session.id]);
      return { session, latest_run: latest ? toRun(latest) : null };
    });
  }

  /**
   * Child sessions that still have a queued or running run (for limits): those spawned by `runId`,
   * or with `runId` null those spawned from `sessionId` outside any run.
   */
  liveChildren(runId: string | null, sessionId?: string): number {
    const [where, param] = runId !== null ? ["s.parent_run_id = ?", runId] : ["s.parent_session_id = ? AND s.parent_run_id IS NULL", sessionId ?? ""];
    const row = this.db.read.get(
      `SELECT COUNT(DISTINCT s.id) AS n FROM sessions s JOIN runs r ON r.session_id = s.id
       WHERE ${where} AND r.status IN ('queued', 'running')`,
      [param],
    );
    return Number(row?.n ?? 0);
  }
}

function assertLive(run: Run): void {
  if (isTerminal(run.status)) {
    throw conflict(`run ${run.id} is ${run.status}: only a queued or running run can spawn children`, { run_id: run.id, status: run.status });
  }
}

function titleOf(task: string): string {
  const line = task.trim().split("\n")[0] ?? "";
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}
