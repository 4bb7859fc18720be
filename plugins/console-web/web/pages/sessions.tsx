// Sessions: every visible session, paged from GET /sessions, shown as a parent/child tree,
// filterable, with live status from the all-sessions stream; and a form to create one.
import { useEffect, useMemo, useState } from "preact/hooks";
import type { RunStatus, SessionListItem as Session } from "../../../../core/src/types.ts";
import { ago, errorText, useConsole } from "../context.ts";
import { VirtualList } from "../virtual-list.tsx";

const PAGE = 200;

/** Parents before their children, children in creation order, each with its depth. */
function asTree(sessions: readonly Session[]): Session[] {
  const byParent = new Map<string | null, Session[]>();
  const ids = new Set(sessions.map((s) => s.id));
  for (const s of sessions) {
    const parent = s.parent_session_id && ids.has(s.parent_session_id) ? s.parent_session_id : null;
    byParent.set(parent, [...(byParent.get(parent) ?? []), s]);
  }
  const out: Session[] = [];
  const walk = (parent: string | null): void => {
    for (const s of byParent.get(parent) ?? []) {
      out.push(s);
      walk(s.id);
    }
  };
  walk(null);
  return out;
}

function CreateSession(p: { providers: string[] }) {
  const { client } = useConsole();
  const [title, setTitle] = useState("");
  const [provider, setProvider] = useState("auto");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      const { session } = await client.createSession({ title: title.trim() || undefined, provider });
      location.hash = `#/s/${encodeURIComponent(session.id)}`;
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="create" onSubmit={submit} aria-label="new session">
      <input aria-label="title" placeholder="New session title (optional)" value={title} onInput={(e) => setTitle(e.currentTarget.value)} />
      <select aria-label="provider" value={provider} onChange={(e) => setProvider(e.currentTarget.value)}>
        {["auto", ...p.providers].map((name) => (
          <option value={name} key={name}>
            {name}
          </option>
        ))}
      </select>
      <button type="submit" disabled={busy}>
        Create session
      </button>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}

export function SessionsPage() {
  const { client, statuses } = useConsole();
  const [sessions, setSessions] = useState<Session[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState("");
  const [filter, setFilter] = useState("");
  const [statusFilter, setStatusFilter] = useState("");
  const [providers, setProviders] = useState<string[]>([]);

  const loadMore = (): void => {
    if (loading || cursor === null) return;
    setLoading(true);
    client
      .listSessions({ limit: PAGE, cursor: cursor ?? undefined })
      .then((page) => {
        setSessions((old) => [...old, ...page.sessions]);
        setCursor(page.next_cursor);
      })
      .catch((err) => setError(errorText(err)))
      .finally(() => setLoading(false));
  };
  useEffect(loadMore, []);
  useEffect(() => {
    // A reduced status (or none, for a run token) still lets one create sessions with "auto".
    client.daemonStatus().then((s) => setProviders((s.providers ?? []).map((p) => p.name)), () => undefined);
  }, [client]);

  // The live stream's status when it has seen a run event of the session, else GET /sessions' latest_run.
  const statusOf = (s: Session): { status: RunStatus | "idle"; at: string } =>
    statuses.get(s.id) ?? (s.latest_run ? { status: s.latest_run.status, at: s.latest_run.ended_at ?? s.latest_run.created_at } : { status: "idle", at: s.updated_at });

  const shown = useMemo(() => {
    const q = filter.trim().toLowerCase();
    const tree = asTree(sessions);
    return tree.filter((s) => {
      if (q && !`${s.id} ${s.title ?? ""} ${s.provider} ${s.owner}`.toLowerCase().includes(q)) return false;
      if (statusFilter && statusOf(s).status !== statusFilter) return false;
      return true;
    });
  }, [sessions, filter, statusFilter, statuses]);

  return (
    <main class="page sessions">
      <CreateSession providers={providers} />
      <div class="filters">
        <input type="search" aria-label="filter sessions" placeholder="Filter by title, id, provider, owner" value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        <select aria-label="status filter" value={statusFilter} onChange={(e) => setStatusFilter(e.currentTarget.value)}>
          <option value="">any status</option>
          {["queued", "running", "completed", "failed", "canceled", "idle"].map((s) => (
            <option value={s} key={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <p class="count" data-testid="session-count">
        {shown.length} of {sessions.length} loaded{cursor === null ? "" : " (scroll for more)"}
      </p>
      {error && <p class="error" role="alert">{error}</p>}
      <VirtualList
        label="sessions"
        items={shown}
        rowHeight={56}
        keyOf={(s) => s.id}
        onEnd={loadMore}
        render={(s) => {
          const st = statusOf(s);
          return (
            <a class="session-row" href={`#/s/${encodeURIComponent(s.id)}`} style={{ paddingLeft: `${0.75 + Math.min(s.depth, 6) * 1.1}rem` }} data-session={s.id}>
              <span class="title">
                {s.depth > 0 && <span aria-hidden="true">↳ </span>}
                {s.title || s.id}
              </span>
              <span class="meta">
                <span class={`status ${st.status}`}>{st.status}</span> {s.provider} · {ago(st.at)}
              </span>
            </a>
          );
        }}
      />
      {loading && <p class="hint">Loading…</p>}
    </main>
  );
}
