/**
 * Native approvals: a provider (e.g. codex app-server) asks to run a command or apply a patch and
 * holds its turn until someone answers. The question is an escalation (origin `native_approval`)
 * raised to the parent session, or to the run's own session when there is no parent; `onEscalate`
 * taps may answer first (policy plugins). While it waits, the run carries `waiting`. The answer is
 * delivered in memory to the waiting provider; an escalation nobody waits for any more is closed.
 */
import type { GatewayHooks } from "../kernel/hooks.ts";
import type { Logger } from "../providers/types.ts";
import type { ApprovalAnswer, ApprovalRequest, Escalation, EscalationDecisionKind, Run, RunWaiting, Session } from "../types.ts";
import type { Db, Writer } from "./db.ts";
import { insertNote, toEscalation } from "./escalation-rows.ts";
import { newId } from "./ids.ts";
import { now } from "./rows.ts";
import type { SessionService } from "./sessions.ts";
import type { ParentWake } from "./wake.ts";

export interface ApprovalWaitOptions {
  /** Declined with a reason after this long without an answer. */
  timeoutMs: number;
  /** Aborted when the provider stops waiting (run canceled, provider process gone). */
  signal: AbortSignal;
}

type NativeDecision = ApprovalAnswer["decision"];
const NATIVE_DECISIONS: readonly EscalationDecisionKind[] = ["approve", "approve_for_session", "deny"];
export const isNativeDecision = (d: EscalationDecisionKind): d is NativeDecision => NATIVE_DECISIONS.includes(d);

/** Requests that count as "the same" for a session-wide grant: same kind and same command or files. */
export function approvalKey(a: ApprovalRequest): string {
  if (a.kind === "command") return `command:${a.command ?? ""}`;
  if (a.kind === "tool") return `tool:${a.tool ?? ""}:${stableJson(a.input ?? {})}`;
  return `file_change:${(a.changes ?? []).map((c) => c.path).sort().join("\n")}`;
}

/** JSON with object keys sorted, so the same tool input always gives the same grant key. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v && typeof v === "object") return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(",")}}`;
  return JSON.stringify(v) ?? "null";
}

/** A tool call in one short line: the tool and its input, cut at 500 characters. */
export function toolCallSummary(a: ApprovalRequest): string {
  const input = JSON.stringify(a.input ?? {});
  return `${a.tool ?? "?"} ${input.length > 500 ? `${input.slice(0, 500)}...` : input}`;
}

export function describeApproval(a: ApprovalRequest): string {
  const what =
    a.kind === "command" ? `run the command \`${a.command ?? "?"}\`${a.cwd ? ` in ${a.cwd}` : ""}`
    : a.kind === "tool" ? `use the tool ${toolCallSummary(a)}`
    : `change ${(a.changes ?? []).map((c) => c.path).join(", ") || "files"}`;
  return `approval requested to ${what}${a.reason ? `; reason: ${a.reason}` : ""}`;
}

/** Who "decided" an approval nobody answered in time. */
export const TIMEOUT_DECIDER = "agentd:approval-timeout";

export class ApprovalService {
  /** Providers holding their turn, by escalation id: hand them the answer, or stop listening. */
  private readonly waiters = new Map<string, { deliver(answer: ApprovalAnswer): void; release(): void }>();

  constructor(
    private readonly db: Db,
    private readonly sessions: SessionService,
    private readonly hooks: GatewayHooks,
    private readonly log: Logger,
    private readonly wake: ParentWake,
  ) {}

  /** Ask, and wait for the answer: a session grant, a policy tap, a person, the parent, or the timeout. */
  async request(run: Run, session: Session, approval: ApprovalRequest, opts: ApprovalWaitOptions): Promise<ApprovalAnswer> {
    if (opts.signal.aborted) throw opts.signal.reason;
    const key = approvalKey(approval);
    const grant = this.db.read.get(
      "SELECT id, decided_by FROM escalations WHERE child_session_id = ? AND origin = 'native_approval' AND decision = 'approve_for_session' AND approval_key = ? ORDER BY created_at LIMIT 1",
      [session.id, key],
    );
    if (grant) return { decision: "approve_for_session", text: `approved for the rest of the session by ${String(grant.decided_by)} (escalation ${String(grant.id)})`, decided_by: String(grant.decided_by), escalation_id: String(grant.id) };

    const parent = session.parent_session_id ? this.sessions.find(session.parent_session_id) : undefined;
    const target = parent ?? session;
    const id = newId("esc");
    const text = describeApproval(approval);
    const policy = await this.hooks.onEscalate.promise({ escalationId: id, childRun: run, childSession: session, parentSession: target, kind: "approval_request", text, approval });
    const decided = policy && isNativeDecision(policy.decision) ? policy : undefined;
    if (policy && !decided) this.log.warn("onEscalate answered a native approval with a decision it cannot take; asking a person instead", { escalation_id: id, decision: policy.decision });

    const waiting: RunWaiting = { kind: "approval", escalation_id: id, raised_to_session_id: target.id, approval, since: now() };
    // Listen before the question is visible: an answer may arrive as soon as it is committed.
    const answered = decided ? null : this.wait(id, opts);
    answered?.catch(() => undefined);
    await this.db.write((w) => {
      w.tx.run(
        `INSERT INTO escalations (id, child_session_id, child_run_id, parent_session_id, kind, text, status, created_at, origin, approval, approval_key) VALUES (?, ?, ?, ?, 'approval_request', ?, 'pending', ?, 'native_approval', ?, ?)`,
        [id, session.id, run.id, target.id, text, waiting.since, JSON.stringify(approval), key],
      );
      const data = { escalation_id: id, origin: "native_approval", child_session_id: session.id, child_run_id: run.id, parent_session_id: target.id, kind: "approval_request", text, approval };
      if (parent) {
        const meta = { escalation_id: id, child_session_id: session.id, child_run_id: run.id, kind: "approval_request" };
        insertNote(w, parent.id, `[approval_request from child session ${session.id}, run ${run.id}; escalation ${id}] ${text}`, meta);
        w.event(parent.id, null, "escalation.requested", data);
      }
      w.event(session.id, run.id, "escalation.requested", data);
      if (decided) {
        // Stored already answered, in the same transaction: nobody else can answer in between.
        this.resolveInTx(w, toEscalation(w.tx.get("SELECT * FROM escalations WHERE id = ?", [id])!), decided.decision as NativeDecision, decided.text, decided.decidedBy);
      } else {
        w.tx.run("UPDATE runs SET waiting = ? WHERE id = ? AND status = 'running'", [JSON.stringify(waiting), run.id]);
        w.event(session.id, run.id, "run.waiting", { run_id: run.id, waiting });
        if (parent) this.wake.escalationRaised(w, session, toEscalation(w.tx.get("SELECT * FROM escalations WHERE id = ?", [id])!));
      }
    }).catch((err: unknown) => {
      this.waiters.get(id)?.release(); // the question was never stored: stop listening
      throw err;
    });
    if (decided) return { decision: decided.decision as NativeDecision, text: decided.text, decided_by: decided.decidedBy, escalation_id: id };
    return answered!;
  }

  private wait(id: string, opts: ApprovalWaitOptions): Promise<ApprovalAnswer> {
    return new Promise<ApprovalAnswer>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        opts.signal.removeEventListener("abort", onAbort);
        this.waiters.delete(id);
      };
      const onAbort = (): void => {
        cleanup();
        const reason = opts.signal.reason instanceof Error ? opts.signal.reason.message : String(opts.signal.reason ?? "aborted");
        this.close(id, `the run stopped waiting before an answer arrived (${reason}); nothing was approved`).then(() => reject(opts.signal.reason), reject);
      };
      // Still listening while the timeout is written: an answer that lands first wins (in the
      // transaction below the escalation is then no longer pending), and either way the waiter
      // is called from the commit that resolved it.
      const timer = setTimeout(() => {
        const text = `no answer within ${Math.round(opts.timeoutMs / 1000)} s: declined automatically (the provider's approval timeout; answer sooner, or raise it)`;
        this.db
          .write((w) => {
            const row = w.tx.get("SELECT * FROM escalations WHERE id = ?", [id]);
            if (row && row.status === "pending") this.resolveInTx(w, toEscalation(row), "deny", text, TIMEOUT_DECIDER);
          })
          .catch((err: unknown) => {
            cleanup();
            reject(err);
          });
      }, opts.timeoutMs);
      timer.unref();
      opts.signal.addEventListener("abort", onAbort, { once: true });
      this.waiters.set(id, {
        deliver(answer) {
          cleanup();
          resolve(answer);
        },
        release: cleanup,
      });
    });
  }

  /** True while the provider that asked is still holding its turn for this escalation. */
  isWaiting(id: string): boolean {
    return this.waiters.has(id);
  }

  /** Record a person's (or the parent's) decision; `deliver` hands it to the provider after commit. */
  resolveInTx(w: Writer, esc: Escalation, decision: NativeDecision, text: string, by: string): Escalation {
    const t = now();
    w.tx.run("UPDATE escalations SET status = 'resolved', decision = ?, decision_text = ?, decided_by = ?, resolved_at = ? WHERE id = ?", [decision, text, by, t, esc.id]);
    w.tx.run("UPDATE runs SET waiting = NULL WHERE id = ?", [esc.child_run_id]);
    const data = { escalation_id: esc.id, origin: esc.origin, child_session_id: esc.child_session_id, child_run_id: esc.child_run_id, kind: esc.kind, decision, text, decided_by: by, delivered_run_id: null };
    if (esc.parent_session_id !== esc.child_session_id) w.event(esc.parent_session_id, null, "escalation.resolved", data);
    w.event(esc.child_session_id, esc.child_run_id, "escalation.resolved", data);
    const answer: ApprovalAnswer = { decision, text, decided_by: by, escalation_id: esc.id };
    w.afterCommit(() => this.waiters.get(esc.id)?.deliver(answer));
    return { ...esc, status: "resolved", decision, decision_text: text, decided_by: by, resolved_at: t };
  }

  /** Close a pending escalation nobody can answer any more, saying why. */
  async close(id: string, reason: string): Promise<void> {
    await this.db.write((w) => {
      const row = w.tx.get("SELECT * FROM escalations WHERE id = ?", [id]);
      if (row && row.status === "pending") this.closeInTx(w, toEscalation(row), reason);
    });
  }

  closeInTx(w: Writer, esc: Escalation, reason: string): void {
    w.tx.run("UPDATE escalations SET status = 'closed', close_reason = ?, resolved_at = ? WHERE id = ?", [reason, now(), esc.id]);
    w.tx.run("UPDATE runs SET waiting = NULL WHERE id = ?", [esc.child_run_id]);
    const data = { escalation_id: esc.id, origin: esc.origin, child_session_id: esc.child_session_id, child_run_id: esc.child_run_id, close_reason: reason };
    if (esc.parent_session_id !== esc.child_session_id) w.event(esc.parent_session_id, null, "escalation.closed", data);
    w.event(esc.child_session_id, esc.child_run_id, "escalation.closed", data);
  }

  /** In the transaction that ends a run: its unanswered approvals can no longer be delivered. */
  readonly closeForFinishedRun = (w: Writer, run: Run): void => {
    for (const row of w.tx.all("SELECT * FROM escalations WHERE child_run_id = ? AND status = 'pending' AND origin = 'native_approval'", [run.id])) {
      this.closeInTx(w, toEscalation(row), `run ${run.id} ended (${run.status}) before the approval was answered; nothing was approved`);
    }
  };
}
