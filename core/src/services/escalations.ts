import { AgentdError, conflict, notFound, validation } from "../errors.ts";
import type { GatewayHooks } from "../kernel/hooks.ts";
import type { Escalation, EscalationDecisionKind, EscalationKind, EscalationStatus, Message, Principal, Run, Session } from "../types.ts";
import { isNativeDecision, type ApprovalService } from "./approvals.ts";
import { insertNote, toEscalation } from "./escalation-rows.ts";
import type { Db, Writer } from "./db.ts";
import { newId } from "./ids.ts";
import type { OrchestrationService } from "./orchestration.ts";
import { now } from "./rows.ts";
import type { RunService } from "./runs.ts";
import type { MutationOptions, SessionService } from "./sessions.ts";
import type { ParentWake } from "./wake.ts";

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

const DECIDED: Record<EscalationDecisionKind, string> = { approve: "approved", approve_for_session: "approved for the rest of the session", deny: "denied", answer: "answered" };

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
    private readonly approvals: ApprovalService,
    private readonly wake: ParentWake,
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
        id, origin: "reply_parent", child_session_id: childSession.id, child_run_id: childRun.id, parent_session_id: parentSession.id, kind: input.kind, text: input.text,
        approval: null, status: "pending", close_reason: null, decision: null, decision_text: null, decided_by: null, created_at: t, resolved_at: null,
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
      } else {
        this.wake.escalationRaised(w, childSession, escalation);
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

  /**
   * Escalations the actor can answer, oldest first: raised to sessions it can see, minus the ones
   * its own run asked. Native approvals of runs without a parent are raised to their own session.
   */
  listVisible(actor: Principal, status?: EscalationStatus, limit = 200): Escalation[] {
    const rows = status
      ? this.db.read.all("SELECT * FROM escalations WHERE status = ? ORDER BY created_at DESC, id DESC LIMIT 5000", [status])
      : this.db.read.all("SELECT * FROM escalations ORDER BY created_at DESC, id DESC LIMIT 5000");
    return rows.map(toEscalation).filter((e) => this.visibleFrom(actor, e.parent_session_id) && !this.askedBy(actor, e)).slice(0, limit).reverse();
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
    if (!this.visibleFrom(opts.actor, esc.parent_session_id) || this.askedBy(opts.actor, esc)) {
      throw new AgentdError("forbidden", `escalation ${id} is answered from the parent side (session ${esc.parent_session_id}); the run that asked cannot resolve it`);
    }
    if (input.decision === "answer" && input.text.trim() === "") throw validation(`decision "answer" needs a non-empty text: the answer itself`, [{ path: "/text", keyword: "minLength", message: "an answer needs text" }]);
    const native = esc.origin === "native_approval";
    if (native && !isNativeDecision(input.decision)) {
      throw validation(`escalation ${id} is a native approval: decide approve, approve_for_session or deny (not "${input.decision}")`, [{ path: "/decision", keyword: "enum", allowed: ["approve", "approve_for_session", "deny"] }]);
    }
    if (native && esc.status === "pending" && !this.approvals.isWaiting(id)) {
      // The provider that asked is gone (its run ended, or the daemon restarted): never leave it hanging.
      await this.approvals.close(id, `run ${esc.child_run_id} is no longer waiting for this approval (it ended, or the daemon restarted); the decision was not delivered`);
    }
    return this.db.write((w) => {
      const current = toEscalation(w.tx.get("SELECT * FROM escalations WHERE id = ?", [id])!);
      if (current.status === "closed") {
        throw conflict(`escalation ${id} is closed: ${current.close_reason ?? "no reason recorded"}`, { status: current.status, close_reason: current.close_reason, child_run_id: current.child_run_id });
      }
      if (current.status === "resolved") {
        // The same answer again is a replay; a native approval replays only for whoever answered it.
        const same = current.decision === input.decision && current.decision_text === input.text && (!native || current.decided_by === opts.actor.id);
        if (same) return this.delivered(current);
        throw conflict(`escalation ${id} was already resolved with "${current.decision}" by ${current.decided_by}${current.decision_text ? ` (${current.decision_text})` : ""}; a different resolution is refused`, {
          status: current.status,
          decision: current.decision,
          decision_text: current.decision_text,
          decided_by: current.decided_by,
          resolved_at: current.resolved_at,
        });
      }
      const result: EscalationResolved = native && isNativeDecision(input.decision)
        ? { escalation: this.approvals.resolveInTx(w, current, input.decision, input.text, opts.actor.id), message: null, run: null }
        : this.resolveInTx(w, current, input.decision, input.text, opts.actor.id);
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
    if (esc.origin === "native_approval") return { escalation: esc, message: null, run: null };
    const message = this.sessions.messages(esc.child_session_id).find((m) => m.meta?.escalation_id === esc.id && m.meta?.decision !== undefined) ?? null;
    const run = message?.run_id ? (this.runs.find(message.run_id) ?? null) : null;
    return { escalation: esc, message, run };
  }

  /** The actor is a run of the session that asked (a run must not approve its own request). */
  private askedBy(actor: Principal, esc: Escalation): boolean {
    return actor.run !== undefined && actor.run.session_id === esc.child_session_id;
  }

  private visibleFrom(actor: Principal, sessionId: string): boolean {
    const session: Session | undefined = this.sessions.find(sessionId);
    return session !== undefined && this.sessions.canAccess(actor, session);
  }
}
