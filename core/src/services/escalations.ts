import { AgentdError, conflict, notFound, validation } from "../errors.ts";
import type { GatewayHooks } from "../kernel/hooks.ts";
import type { Row } from "../storage/types.ts";
import type { Escalation, EscalationDecisionKind, EscalationKind, Message, Principal, Run, Session } from "../types.ts";
import type { Db, Writer } from "./db.ts";
import { newId } from "./ids.ts";
import type { OrchestrationService } from "./orchestration.ts";
import { now } from "./rows.ts";
import type { RunService } from "./runs.ts";
import type { MutationOptions, SessionService } from "./sessions.ts";

export interface EscalationRequested {
  escalation: Escalation;
  /** The note stored in the parent session. */
  message: Message;
  /** Set when an `onEscalate` tap decided at once: the answer queued in the child session. */
  answer?: { message: Message; run: Run };
}

export interface EscalationResolved {
  escalation: Escalation;
  /** The decision as a user message in the child session, and the child run it queued. */
  message: Message | null;
  run: Run | null;
}

const DECIDED: Record<EscalationDecisionKind, string> = { approve: "approved", deny: "denied", answer: "answered" };

const toEscalation = (r: Row): Escalation => ({
  id: String(r.id),
  child_session_id: String(r.child_session_id),
  child_run_id: String(r.child_run_id),
  parent_session_id: String(r.parent_session_id),
  kind: String(r.kind) as EscalationKind,
  text: String(r.text),
  status: String(r.status) as Escalation["status"],
  decision: r.decision === null ? null : (String(r.decision) as EscalationDecisionKind),
  decision_text: r.decision_text === null ? null : String(r.decision_text),
  decided_by: r.decided_by === null ? null : String(r.decided_by),
  created_at: String(r.created_at),
  resolved_at: r.resolved_at === null ? null : String(r.resolved_at),
});

/**
 * A child run asking its parent session (approval, permission, question, info), and the parent's
 * structured answer, which is delivered to the child as a message that queues its next run.
 */
export class EscalationService {
  constructor(
    private readonly db: Db,
    private readonly sessions: SessionService,
    private readonly runs: RunService,
    private readonly orchestration: OrchestrationService,
    private readonly hooks: GatewayHooks,
  ) {}

  /** `POST /runs/:id/reply-parent`: the daemon finds the parent; `onEscalate` taps may decide at once. */
  async request(runId: string, input: { text: string; kind: EscalationKind }, opts: MutationOptions<EscalationRequested>): Promise<EscalationRequested> {
    const childRun = this.orchestration.ownRun(runId, opts.actor, "reply to the parent");
    const childSession = this.sessions.find(childRun.session_id)!;
    const parentSession = childSession.parent_session_id ? this.sessions.find(childSession.parent_session_id) : undefined;
    if (!parentSession) {
      throw conflict(`run ${childRun.id} belongs to session ${childSession.id}, which has no parent session: reply-parent works only from a spawned child session`, {
        run_id: childRun.id,
        session_id: childSession.id,
      });
    }
    const id = newId("esc");
    const decision = await this.hooks.onEscalate.promise({ escalationId: id, childRun, childSession, parentSession, kind: input.kind, text: input.text });
    return this.db.write((w) => {
      const t = now();
      let escalation: Escalation = {
        id, child_session_id: childSession.id, child_run_id: childRun.id, parent_session_id: parentSession.id, kind: input.kind, text: input.text,
        status: "pending", decision: null, decision_text: null, decided_by: null, created_at: t, resolved_at: null,
      };
      w.tx.run(
        `INSERT INTO escalations (id, child_session_id, child_run_id, parent_session_id, kind, text, status, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)`,
        [id, childSession.id, childRun.id, parentSession.id, input.kind, input.text, t],
      );
      const meta = { escalation_id: id, child_session_id: childSession.id, child_run_id: childRun.id, kind: input.kind };
      const message = insertNote(w, parentSession.id, `[${input.kind} from child session ${childSession.id}, run ${childRun.id}; escalation ${id}] ${input.text}`, meta);
      const data = { escalation_id: id, child_session_id: childSession.id, child_run_id: childRun.id, parent_session_id: parentSession.id, kind: input.kind, text: input.text, message_id: message.id };
      w.event(parentSession.id, null, "escalation.requested", data);
      w.event(childSession.id, childRun.id, "escalation.requested", data);
      const result: EscalationRequested = { escalation, message };
      if (decision) {
        const resolved = this.resolveInTx(w, escalation, decision.decision, decision.text, decision.decidedBy);
        escalation = resolved.escalation;
        result.escalation = escalation;
        if (resolved.message && resolved.run) result.answer = { message: resolved.message, run: resolved.run };
      }
      opts.inTx?.(w.tx, result);
      return result;
    });
  }

  /** An escalation visible to the actor from either side (parent or child session tree). */
  get(id: string, actor: Principal): Escalation {
    const row = this.db.read.get("SELECT * FROM escalations WHERE id = ?", [id]);
    if (!row) throw notFound("escalation", id);
    const esc = toEscalation(row);
    if (!this.visibleFrom(actor, esc.parent_session_id) && !this.visibleFrom(actor, esc.child_session_id)) throw notFound("escalation", id);
    return esc;
  }

  /** Escalations raised to a session, oldest first. */
  listForParent(sessionId: string, actor: Principal, status?: Escalation["status"]): Escalation[] {
    const session = this.sessions.get(sessionId, actor);
    const rows = status
      ? this.db.read.all("SELECT * FROM escalations WHERE parent_session_id = ? AND status = ? ORDER BY created_at, id", [session.id, status])
      : this.db.read.all("SELECT * FROM escalations WHERE parent_session_id = ? ORDER BY created_at, id", [session.id]);
    return rows.map(toEscalation);
  }

  /**
   * Record the parent's decision once and deliver it to the child. The same decision again is a
   * replay (same answer, nothing new queued); a different one is a 409.
   */
  async resolve(id: string, input: { decision: EscalationDecisionKind; text: string }, opts: MutationOptions<EscalationResolved>): Promise<EscalationResolved> {
    const esc = this.get(id, opts.actor);
    if (!this.visibleFrom(opts.actor, esc.parent_session_id)) {
      throw new AgentdError("forbidden", `escalation ${id} is answered from the parent side (session ${esc.parent_session_id}); the child that asked cannot resolve it`);
    }
    if (input.decision === "answer" && input.text.trim() === "") throw validation(`decision "answer" needs a non-empty text: the answer itself`, [{ path: "/text", keyword: "minLength", message: "an answer needs text" }]);
    return this.db.write((w) => {
      const current = toEscalation(w.tx.get("SELECT * FROM escalations WHERE id = ?", [id])!);
      if (current.status === "resolved") {
        if (current.decision === input.decision && current.decision_text === input.text) return this.delivered(current);
        throw conflict(`escalation ${id} was already resolved with "${current.decision}" by ${current.decided_by}; a different resolution is refused`, {
          decision: current.decision,
          decision_text: current.decision_text,
          decided_by: current.decided_by,
        });
      }
      const result = this.resolveInTx(w, current, input.decision, input.text, opts.actor.id);
      opts.inTx?.(w.tx, result);
      return result;
    });
  }

  private resolveInTx(w: Writer, esc: Escalation, decision: EscalationDecisionKind, text: string, by: string): EscalationResolved {
    const t = now();
    w.tx.run("UPDATE escalations SET status = 'resolved', decision = ?, decision_text = ?, decided_by = ?, resolved_at = ? WHERE id = ?", [decision, text, by, t, esc.id]);
    const resolved: Escalation = { ...esc, status: "resolved", decision, decision_text: text, decided_by: by, resolved_at: t };
    const child = this.sessions.find(esc.child_session_id);
    let delivered: { message: Message; run: Run } | null = null;
    if (child) {
      const answer = `Decision on your ${esc.kind} (escalation ${esc.id}): ${DECIDED[decision]} by ${by}.${text ? ` ${text}` : ""}`;
      delivered = this.runs.insertQueued(w, child, { text: answer, messageMeta: { escalation_id: esc.id, decision, decided_by: by } }, { escalation_id: esc.id });
    }
    const data = {
      escalation_id: esc.id, child_session_id: esc.child_session_id, child_run_id: esc.child_run_id, kind: esc.kind,
      decision, text, decided_by: by, delivered_run_id: delivered?.run.id ?? null,
    };
    w.event(esc.parent_session_id, null, "escalation.resolved", data);
    w.event(esc.child_session_id, delivered?.run.id ?? null, "escalation.resolved", data);
    return { escalation: resolved, message: delivered?.message ?? null, run: delivered?.run ?? null };
  }

  /** The answer a resolution delivered, for replays. */
  private delivered(esc: Escalation): EscalationResolved {
    const message = this.sessions.messages(esc.child_session_id).find((m) => m.meta?.escalation_id === esc.id && m.meta?.decision !== undefined) ?? null;
    const run = message?.run_id ? (this.runs.find(message.run_id) ?? null) : null;
    return { escalation: esc, message, run };
  }

  private visibleFrom(actor: Principal, sessionId: string): boolean {
    const session: Session | undefined = this.sessions.find(sessionId);
    return session !== undefined && this.sessions.canAccess(actor, session);
  }
}

/** A message in a session that does not queue a run (the parent hears; it is not prompted). */
function insertNote(w: Writer, sessionId: string, text: string, meta: Record<string, unknown>): Message {
  const message: Message = { id: newId("msg"), session_id: sessionId, run_id: null, role: "user", text, meta, created_at: now() };
  w.tx.run("INSERT INTO messages (id, session_id, run_id, role, text, meta, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", [
    message.id, sessionId, null, "user", text, JSON.stringify(meta), message.created_at,
  ]);
  w.event(sessionId, null, "message.created", { message });
  return message;
}
