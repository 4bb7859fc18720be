// Pending escalations raised to any session one may see. There is no cross-session route, so the
// inbox pages through GET /sessions, asks each session that has children for its pending
// escalations, and then follows escalation.requested / escalation.resolved on the live stream.
import { useEffect, useState } from "preact/hooks";
import type { AgentdClient } from "../../../../core/src/client/index.ts";
import { ago, errorText, useConsole, type InboxItem } from "../context.ts";

export async function loadPendingEscalations(client: AgentdClient): Promise<InboxItem[]> {
  const parents = new Set<string>();
  let cursor: string | undefined;
  for (let pages = 0; pages < 50; pages++) {
    const page = await client.listSessions({ limit: 500, cursor });
    for (const s of page.sessions) if (s.parent_session_id) parents.add(s.parent_session_id);
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  const out: InboxItem[] = [];
  const queue = [...parents];
  const worker = async (): Promise<void> => {
    for (let id = queue.shift(); id; id = queue.shift()) {
      const { escalations } = await client.listEscalations(id, { status: "pending" }).catch(() => ({ escalations: [] }));
      out.push(...escalations);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return out.sort((a, b) => a.created_at.localeCompare(b.created_at));
}

function Escalation(p: { item: InboxItem }) {
  const { client, resolved } = useConsole();
  const [text, setText] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const decide = async (decision: "approve" | "deny" | "answer"): Promise<void> => {
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
    <li class="card escalation" data-escalation={item.id}>
      <div class="row">
        <span class="kind">{item.kind.replace(/_/g, " ")}</span>
        <span class="meta">{ago(item.created_at)}</span>
      </div>
      <p class="esc-text">{item.text}</p>
      <p class="meta">
        from <a href={`#/s/${encodeURIComponent(item.child_session_id)}`}>{item.child_session_id}</a> to{" "}
        <a href={`#/s/${encodeURIComponent(item.parent_session_id)}`}>{item.parent_session_id}</a>
      </p>
      <div class="answer">
        <input aria-label={`answer to ${item.id}`} placeholder="Optional note, or an answer" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        <div class="buttons">
          <button type="button" disabled={busy} onClick={() => void decide("approve")}>
            Approve
          </button>
          <button type="button" class="danger" disabled={busy} onClick={() => void decide("deny")}>
            Deny
          </button>
          <button type="button" disabled={busy || !text.trim()} onClick={() => void decide("answer")}>
            Answer
          </button>
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
