// Pending escalations the caller can answer: one GET /escalations?status=pending, then
// escalation.requested / escalation.resolved on the live stream. A child's question (reply_parent)
// takes approve / deny / answer; a provider's own approval request (native_approval, e.g. codex
// asking to run a command) takes approve / approve for session / deny, and shows what it would do.
import { useEffect, useState } from "preact/hooks";
import type { AgentdClient } from "../../../../core/src/client/index.ts";
import type { ApprovalRequest, EscalationDecisionKind } from "../../../../core/src/types.ts";
import { ago, errorText, useConsole, type InboxItem } from "../context.ts";

export async function loadPendingEscalations(client: AgentdClient): Promise<InboxItem[]> {
  const { escalations } = await client.listAllEscalations({ status: "pending" });
  return escalations;
}

function ApprovalDetails(p: { approval: ApprovalRequest }) {
  const a = p.approval;
  return (
    <dl class="approval" data-testid="approval">
      <dt>{a.kind === "command" ? "command" : "file changes"}</dt>
      <dd>
        {a.kind === "command" ? (
          <code>{a.command ?? "—"}</code>
        ) : (
          <ul>
            {(a.changes ?? []).map((c) => (
              <li key={c.path}>
                <code>{c.path}</code>
                {c.kind ? ` (${c.kind})` : ""}
              </li>
            ))}
          </ul>
        )}
      </dd>
      {a.cwd && (
        <>
          <dt>in</dt>
          <dd>
            <code>{a.cwd}</code>
          </dd>
        </>
      )}
      {a.reason && (
        <>
          <dt>why</dt>
          <dd>{a.reason}</dd>
        </>
      )}
    </dl>
  );
}

function Escalation(p: { item: InboxItem }) {
  const { client, resolved } = useConsole();
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const native = p.item.origin === "native_approval";
  const decide = async (decision: EscalationDecisionKind): Promise<void> => {
    setBusy(true);
    setError("");
    try {
      await client.resolveEscalation(p.item.id, { decision, text: text.trim() || undefined });
      resolved(p.item.id);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  const { item } = p;
  return (
    <li class="card escalation" data-escalation={item.id} data-origin={item.origin}>
      <div class="row">
        <span class="kind">{native ? "native approval" : item.kind.replace(/_/g, " ")}</span>
        <span class="meta">{ago(item.created_at)}</span>
      </div>
      {native && item.approval ? <ApprovalDetails approval={item.approval} /> : <p class="esc-text">{item.text}</p>}
      <p class="meta">
        {item.child_session_id === item.parent_session_id ? (
          <>
            run {item.child_run_id} of <a href={`#/s/${encodeURIComponent(item.child_session_id)}`}>{item.child_session_id}</a>
          </>
        ) : (
          <>
            from <a href={`#/s/${encodeURIComponent(item.child_session_id)}`}>{item.child_session_id}</a> to{" "}
            <a href={`#/s/${encodeURIComponent(item.parent_session_id)}`}>{item.parent_session_id}</a>
          </>
        )}
      </p>
      <div class="answer">
        <input aria-label={`answer to ${item.id}`} placeholder={native ? "Optional note" : "Optional note, or an answer"} value={text} onInput={(e) => setText(e.currentTarget.value)} />
        <div class="buttons">
          <button type="button" disabled={busy} onClick={() => void decide("approve")}>
            Approve
          </button>
          {native && (
            <button type="button" disabled={busy} onClick={() => void decide("approve_for_session")}>
              Approve for session
            </button>
          )}
          <button type="button" class="danger" disabled={busy} onClick={() => void decide("deny")}>
            Deny
          </button>
          {!native && (
            <button type="button" disabled={busy || !text.trim()} onClick={() => void decide("answer")}>
              Answer
            </button>
          )}
        </div>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
    </li>
  );
}

export function InboxPage() {
  const { inbox, inboxLoading, markInboxSeen, refreshInbox, inboxNew } = useConsole();
  useEffect(markInboxSeen, [inboxNew]);
  return (
    <main class="page inbox">
      <div class="row">
        <h1>Escalations</h1>
        <button type="button" onClick={refreshInbox}>
          Refresh
        </button>
      </div>
      {inbox.length === 0 && <p class="hint">{inboxLoading ? "Looking for pending escalations…" : "Nothing is waiting for you."}</p>}
      <ul class="cards">
        {inbox.map((i) => (
          <Escalation item={i} key={i.id} />
        ))}
      </ul>
    </main>
  );
}
