// A session: transcript with streamed text, the live event timeline (every event of the session,
// replayed from seq 0 then live, once each), send / cancel, diagnose, and the agent tree.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Subscription } from "../../../../core/src/client/index.ts";
import type { AgentEvent, Message, RunStatus, Session } from "../../../../core/src/types.ts";
import { describeState, follow, type StreamState } from "../api.ts";
import { errorText, RUN_EVENT_STATUS, useConsole } from "../context.ts";
import { EXPANDED, ROW, TimelineRow } from "../timeline.tsx";
import { VirtualList } from "../virtual-list.tsx";
import { AgentTree } from "./tree.tsx";
import { Diagnose } from "./diagnose.tsx";
import { Composer } from "./composer.tsx";

type Tab = "chat" | "timeline" | "agents" | "diagnose";

/** What the page derives from events, updated incrementally per batch. */
interface Derived {
  messages: Message[];
  runs: Map<string, RunStatus>;
  lastRun: string | null;
  streaming: Map<string, string>;
  results: Map<string, AgentEvent>;
}

export function SessionPage(p: { sessionId: string }) {
  const { client, token, transport, setTransport } = useConsole();
  const [session, setSession] = useState<Session | null>(null);
  const [error, setError] = useState("");
  const [events, setEvents] = useState<AgentEvent[]>([]);
  const derived = useRef<Derived>({ messages: [], runs: new Map(), lastRun: null, streaming: new Map(), results: new Map() });
  const [stream, setStream] = useState<StreamState>({ status: "connecting", transport, attempt: 0, resumedAfter: null });
  const [tab, setTab] = useState<Tab>("chat");
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set());
  const sub = useRef<Subscription | null>(null);
  const all = useRef<AgentEvent[]>([]);

  useEffect(() => {
    client.getSession(p.sessionId).then((r) => setSession(r.session), (err) => setError(errorText(err)));
  }, [p.sessionId]);

  useEffect(() => {
    // A transport switch resumes after the last event shown: nothing replayed twice.
    const last = all.current.at(-1)?.seq ?? 0;
    sub.current = follow({
      token,
      transport,
      sessionId: p.sessionId,
      cursor: last,
      onState: setStream,
      onEvents(batch) {
        const d = derived.current;
        for (const e of batch) {
          const data = e.data as Record<string, unknown>;
          const status = RUN_EVENT_STATUS[e.event_type];
          if (status && e.run_id) {
            d.runs.set(e.run_id, status);
            d.lastRun = e.run_id;
            if (status !== "queued" && status !== "running") d.streaming.delete(e.run_id);
          } else if (e.event_type === "message.created") {
            const m = data.message as Message;
            d.messages = [...d.messages, m];
            if (m.role === "assistant" && m.run_id) d.streaming.delete(m.run_id);
          } else if (e.event_type === "assistant.delta" && e.run_id) {
            d.streaming.set(e.run_id, (d.streaming.get(e.run_id) ?? "") + String(data.text ?? ""));
          } else if (e.event_type === "tool.result") d.results.set(String(data.call_id), e);
        }
        all.current = all.current.concat(batch);
        setEvents(all.current);
      },
    });
    (globalThis as unknown as { agentdConsole: unknown }).agentdConsole = {
      timelineSeqs: () => all.current.map((e) => e.seq),
      reconnect: () => sub.current?.reconnect(),
    };
    return () => sub.current?.close();
  }, [p.sessionId, transport]);

  const d = derived.current;
  const active = d.lastRun && (d.runs.get(d.lastRun) === "queued" || d.runs.get(d.lastRun) === "running") ? d.lastRun : null;
  const toggle = (seq: number): void =>
    setExpanded((old) => {
      const n = new Set(old);
      if (!n.delete(seq)) n.add(seq);
      return n;
    });
  const right: Tab = tab === "chat" ? "timeline" : tab;
  const transcript = d.messages;

  return (
    <main class="page session">
      <div class="session-head">
        <div>
          <h1>{session?.title || p.sessionId}</h1>
          <p class="meta">
            {p.sessionId}
            {session && ` · ${session.provider}${session.parent_session_id ? ` · child of ` : ""}`}
            {session?.parent_session_id && <a href={`#/s/${encodeURIComponent(session.parent_session_id)}`}>{session.parent_session_id}</a>}
          </p>
        </div>
        <div class="stream-state">
          <span class="conn" data-status={stream.status} data-testid="stream-state">
            <span class="dot" aria-hidden="true" />
            {describeState(stream)}
          </span>
          <label class="toggle-transport">
            <span>transport</span>
            <select aria-label="stream transport" value={transport} onChange={(e) => setTransport(e.currentTarget.value as "sse" | "ws")}>
              <option value="sse">SSE</option>
              <option value="ws">WebSocket</option>
            </select>
          </label>
        </div>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      <div class="tabs" role="tablist" data-tab={tab}>
        {(["chat", "timeline", "agents", "diagnose"] as const).map((t) => (
          <button type="button" role="tab" class={`tab tab-${t}`} aria-selected={tab === t} onClick={() => setTab(t)} key={t}>
            {t === "chat" ? "Chat" : t === "timeline" ? `Timeline (${events.length})` : t === "agents" ? "Agents" : "Diagnose"}
          </button>
        ))}
      </div>
      <div class="session-grid">
        <section class={`pane chat${tab === "chat" ? " active" : ""}`} aria-label="transcript">
          <ol class="transcript" aria-live="polite">
            {transcript.map((m) => (
              <li class={`msg ${m.role}${m.meta?.escalation_id ? " note" : ""}`} key={m.id} data-message={m.id}>
                <span class="who">{m.meta?.escalation_id ? "escalation from a child (see Inbox)" : m.role}</span>
                <div class="text">{m.text}</div>
              </li>
            ))}
            {[...d.streaming].map(([runId, text]) => (
              <li class="msg assistant streaming" key={`s-${runId}`} data-streaming={runId}>
                <span class="who">assistant (streaming)</span>
                <div class="text">{text}</div>
              </li>
            ))}
            {transcript.length === 0 && <li class="hint">No messages yet. Say something below.</li>}
          </ol>
          <Composer sessionId={p.sessionId} activeRun={active} runStatus={active ? d.runs.get(active)! : null} />
        </section>
        <section class={`pane right${tab !== "chat" ? " active" : ""}`} aria-label={right}>
          {right === "timeline" && (
            <VirtualList
              label="timeline"
              items={events}
              rowHeight={ROW}
              heightOf={(e) => (expanded.has(e.seq) ? EXPANDED : ROW)}
              layoutVersion={expanded.size}
              keyOf={(e) => e.seq}
              follow
              render={(e) => <TimelineRow e={e} expanded={expanded.has(e.seq)} toggle={toggle} result={e.event_type === "tool.call" ? d.results.get(String((e.data as { call_id?: unknown }).call_id)) : undefined} />}
            />
          )}
          {right === "agents" && <AgentTree sessionId={p.sessionId} />}
          {right === "diagnose" && <Diagnose runId={d.lastRun} />}
        </section>
      </div>
    </main>
  );
}

