// The console's shell: sign in, the all-sessions stream, the inbox, navigation by URL hash
// (#/sessions, #/s/<id>, #/inbox, #/daemon: ids only, never a token).
import { render } from "preact";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { AgentdApiError, type StreamTransport } from "../../../core/src/client/index.ts";
import type { AgentEvent, RunStatus } from "../../../core/src/types.ts";
import { describeState, follow, newClient, storedToken, storedTransport, storeToken, storeTransport, type StreamState } from "./api.ts";
import { Ctx, errorText, RUN_EVENT_STATUS, type ConsoleState, type InboxItem } from "./context.ts";
import { InboxPage, loadPendingEscalations } from "./pages/inbox.tsx";
import { DaemonPage } from "./pages/daemon.tsx";
import { SessionPage } from "./pages/session.tsx";
import { SessionsPage } from "./pages/sessions.tsx";

const RECENT_EVENTS = 2000;

const useHash = (): string => {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = (): void => setHash(location.hash);
    addEventListener("hashchange", on);
    return () => removeEventListener("hashchange", on);
  }, []);
  return hash;
};

/** Resolves when the daemon accepts the token (a 403 is an accepted token that may not list sessions). */
async function checkToken(token: string): Promise<void> {
  try {
    await newClient(token).listSessions({ limit: 1 });
  } catch (err) {
    if (!(err instanceof AgentdApiError && err.status === 403)) throw err;
  }
}

function SignIn(p: { onSignedIn(token: string): void; error: string }) {
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(p.error);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      await checkToken(token.trim());
      p.onSignedIn(token.trim());
    } catch (err) {
      setError(err instanceof AgentdApiError && err.status === 401 ? "The daemon refused this token. Paste an operator token (--auth-token / --admin-token) or a run's AGENTCTL_AUTH_TOKEN." : errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <h1>agentd console</h1>
      <form onSubmit={submit}>
        <label for="token">This daemon needs a token</label>
        <input id="token" name="token" type="password" autocomplete="off" spellcheck={false} value={token} onInput={(e) => setToken(e.currentTarget.value)} placeholder="paste your token" autofocus />
        <button type="submit" disabled={busy || !token.trim()}>{busy ? "Checking…" : "Sign in"}</button>
        <p class="hint">The token stays in this tab (sessionStorage) and is sent only as an Authorization header to this daemon.</p>
        {error && <p class="error" role="alert">{error}</p>}
      </form>
    </main>
  );
}

function Shell(p: { token: string; onSignOut(): void }) {
  const client = useMemo(() => newClient(p.token), [p.token]);
  const [transport, setTransportState] = useState<StreamTransport>(storedTransport());
  const [live, setLive] = useState<StreamState>({ status: "connecting", transport, attempt: 0, resumedAfter: null });
  const listeners = useRef(new Set<(events: AgentEvent[]) => void>());
  const [statuses, setStatuses] = useState<ReadonlyMap<string, { status: RunStatus; at: string }>>(new Map());
  const [inbox, setInbox] = useState<InboxItem[]>([]);
  const [inboxNew, setInboxNew] = useState(0);
  const [inboxLoading, setInboxLoading] = useState(true);
  const [streamNotice, setStreamNotice] = useState("");
  const hash = useHash();
  const lastSeq = useRef<number | undefined>(undefined); // last seq seen: a transport switch resumes there

  const refreshInbox = useCallback(() => {
    setInboxLoading(true);
    loadPendingEscalations(client)
      .then((items) =>
        // Merge: the live stream may have added (or removed) some while the scan ran.
        setInbox((old) => {
          const byId = new Map(items.map((i) => [i.id, i]));
          for (const i of old) byId.set(i.id, i);
          return [...byId.values()].sort((a, b) => a.created_at.localeCompare(b.created_at));
        }),
      )
      .catch(() => undefined)
      .finally(() => setInboxLoading(false));
  }, [client]);
  useEffect(refreshInbox, [refreshInbox]);

  // Start a little in the past: the recent log is replayed once so live statuses and escalations
  // are current (GET /sessions' latest_run and GET /escalations give the rest); escalations in it
  // are not counted as new.
  const [start, setStart] = useState<{ cursor?: number; fresh: number } | null>(null);
  useEffect(() => {
    client.daemonStatus().then(
      (s) => setStart({ cursor: Math.max(0, s.last_seq - RECENT_EVENTS), fresh: s.last_seq }),
      () => setStart({ fresh: 0 }), // e.g. a run token without status: from now
    );
  }, [client]);

  useEffect(() => {
    if (!start) return;
    const sub = follow({
      token: p.token,
      transport,
      cursor: lastSeq.current ?? start.cursor,
      onState(s) {
        setLive(s);
        // The cursor may be older than event retention (410 cursor_expired): follow from now
        // instead, say so, and reload what the missed events would have told (the inbox).
        if (s.status === "closed" && s.error?.includes("(410)")) {
          setStreamNotice("Older events were deleted by retention (410 cursor_expired): the console follows the stream from now; statuses and the inbox were reloaded.");
          lastSeq.current = undefined;
          setStart({ fresh: start.fresh });
          refreshInbox();
        }
      },
      onEvents(events) {
        const st = new Map<string, { status: RunStatus; at: string }>();
        const added: InboxItem[] = [];
        const gone = new Set<string>();
        let fresh = 0;
        for (const e of events) {
          lastSeq.current = e.seq;
          const s = RUN_EVENT_STATUS[e.event_type];
          if (s) st.set(e.session_id, { status: s, at: e.created_at });
          const d = e.data as Record<string, string> & Pick<InboxItem, "approval">;
          // Both sessions get escalation.requested: the parent's copy is the one to answer.
          if (e.event_type === "escalation.requested" && e.session_id === d.parent_session_id) {
            if (e.seq > start.fresh) fresh++;
            added.push({ id: d.escalation_id, origin: d.origin === "native_approval" ? "native_approval" : "reply_parent", parent_session_id: d.parent_session_id, child_session_id: d.child_session_id, child_run_id: d.child_run_id, kind: d.kind as InboxItem["kind"], text: d.text, approval: d.approval ?? null, created_at: e.created_at });
          }
          if (e.event_type === "escalation.resolved") gone.add(d.escalation_id);
        }
        if (st.size) setStatuses((old) => new Map([...old, ...st]));
        if (added.length || gone.size) {
          setInbox((old) => {
            const known = new Set(old.map((i) => i.id));
            return [...old, ...added.filter((a) => !known.has(a.id))].filter((i) => !gone.has(i.id));
          });
          if (fresh) setInboxNew((n) => n + fresh);
        }
        for (const l of listeners.current) l(events);
      },
    });
    return () => sub.close();
  }, [p.token, transport, start]);

  const state: ConsoleState = {
    client,
    token: p.token,
    transport,
    setTransport(t) {
      storeTransport(t);
      setTransportState(t);
    },
    live,
    onEvent(l) {
      listeners.current.add(l);
      return () => listeners.current.delete(l);
    },
    inbox,
    inboxNew,
    inboxLoading,
    refreshInbox,
    markInboxSeen: () => setInboxNew(0),
    resolved: (id) => setInbox((old) => old.filter((i) => i.id !== id)),
    statuses,
    streamNotice,
    signOut: p.onSignOut,
  };

  const route = hash.replace(/^#\/?/, "");
  const sessionId = /^s\/([^/?]+)/.exec(route)?.[1];
  const page = sessionId ? "session" : route.startsWith("inbox") ? "inbox" : route.startsWith("daemon") ? "daemon" : "sessions";
  return (
    <Ctx.Provider value={state}>
      <header class="top">
        <a class="brand" href="#/sessions">agentd</a>
        <nav aria-label="main">
          <a href="#/sessions" aria-current={page === "sessions" || page === "session" ? "page" : undefined}>Sessions</a>
          <a href="#/inbox" aria-current={page === "inbox" ? "page" : undefined}>
            Inbox{" "}
            {inbox.length > 0 && (
              <span class={`badge${inboxNew > 0 ? " new" : ""}`} data-testid="inbox-badge" aria-label={`${inbox.length} pending, ${inboxNew} new`}>
                {inbox.length}
              </span>
            )}
          </a>
          <a href="#/daemon" aria-current={page === "daemon" ? "page" : undefined}>Daemon</a>
        </nav>
        <span class="conn" data-status={live.status} title={describeState(live)}>
          <span class="dot" aria-hidden="true" />
          <span class="conn-text">{live.status === "open" ? "live" : live.status}</span>
        </span>
        {p.token && (
          <button class="link" type="button" onClick={p.onSignOut}>
            Sign out
          </button>
        )}
      </header>
      {streamNotice && (
        <p class="stream-notice note" role="status" data-testid="stream-notice">
          {streamNotice}
        </p>
      )}
      {page === "session" && <SessionPage key={sessionId} sessionId={decodeURIComponent(sessionId!)} />}
      {page === "sessions" && <SessionsPage />}
      {page === "inbox" && <InboxPage />}
      {page === "daemon" && <DaemonPage />}
    </Ctx.Provider>
  );
}

function App() {
  const [token, setToken] = useState<string | null>(null);
  const [needToken, setNeedToken] = useState(false);
  const [error, setError] = useState("");
  useEffect(() => {
    const saved = storedToken();
    // With auth off every route answers without a token; with auth on, the saved one is checked.
    checkToken(saved)
      .then(() => setToken(saved))
      .catch((err: unknown) => {
        if (err instanceof AgentdApiError && err.status === 401) {
          storeToken("");
          setNeedToken(true);
          if (saved) setError("Your saved token was refused; sign in again.");
        } else setError(errorText(err));
      });
  }, []);
  if (token !== null)
    return (
      <Shell
        token={token}
        onSignOut={() => {
          storeToken("");
          setToken(null);
          setNeedToken(true);
        }}
      />
    );
  if (needToken)
    return (
      <SignIn
        error={error}
        onSignedIn={(t) => {
          storeToken(t);
          setError("");
          setToken(t);
        }}
      />
    );
  return <main class="signin">{error ? <p class="error" role="alert">{error}</p> : <p>Connecting to the daemon…</p>}</main>;
}

render(<App />, document.getElementById("app")!);
