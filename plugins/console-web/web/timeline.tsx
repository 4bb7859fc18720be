// One timeline row per event. Everything from the model or a tool is rendered as text (Preact
// escapes it); nothing here ever builds HTML from event data.
import type { AgentEvent } from "../../../core/src/types.ts";

type Data = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v));
const clip = (s: string, n = 160): string => (s.length > n ? `${s.slice(0, n)}…` : s);

export function summary(e: AgentEvent): string {
  const d = e.data as Data;
  switch (e.event_type) {
    case "message.created": {
      const m = d.message as { role?: string; text?: string } | undefined;
      return `${m?.role ?? "?"}: ${clip(str(m?.text))}`;
    }
    case "run.queued":
    case "run.started":
    case "run.completed":
    case "run.failed":
    case "run.canceled":
      return `${e.run_id ?? ""}${d.provider ? ` · ${str(d.provider)}` : ""}${d.error ? ` · ${clip(str(d.error))}` : ""}${d.reason ? ` · ${clip(str(d.reason))}` : ""}`;
    case "assistant.delta":
    case "assistant.message":
      return clip(str(d.text));
    case "tool.call":
      return `${str(d.name)}(${clip(str(d.arguments), 120)})`;
    case "tool.result":
      return `${str(d.name)} → ${d.ok === false ? `error: ${clip(str(d.error))}` : clip(str(d.result))}`;
    case "child.spawned":
      return `${str(d.child_session_id)} · ${clip(str(d.task), 100)}`;
    case "escalation.requested":
      return `${str(d.kind)}: ${clip(str(d.text))}`;
    case "escalation.resolved":
      return `${str(d.decision)}${d.text ? `: ${clip(str(d.text))}` : ""}`;
    default:
      if (e.event_type.startsWith("child.run.")) return `${str(d.child_session_id)} ${str(d.status)}${d.output ? `: ${clip(str(d.output), 100)}` : ""}`;
      return clip(str(d), 200);
  }
}

export const kindOf = (type: string): string =>
  type.startsWith("run.") ? "run" : type.startsWith("tool.") ? "tool" : type.startsWith("assistant.") ? "assistant" : type.startsWith("escalation.") ? "escalation" : type.startsWith("child.") ? "child" : type === "message.created" ? "message" : "other";

export const ROW = 30;
export const EXPANDED = 220;

export function TimelineRow(p: { e: AgentEvent; expanded: boolean; toggle(seq: number): void; result?: AgentEvent }) {
  const { e } = p;
  const tool = e.event_type === "tool.call";
  const time = e.created_at.slice(11, 19);
  return (
    <div class={`ev ${kindOf(e.event_type)}`} data-seq={e.seq}>
      <div class="ev-line">
        <span class="seq">{e.seq}</span>
        <span class="time">{time}</span>
        <span class="type">{e.event_type}</span>
        <span class="sum">{summary(e)}</span>
        {tool && (
          <button type="button" class="link toggle" aria-expanded={p.expanded} onClick={() => p.toggle(e.seq)}>
            {p.expanded ? "hide" : "output"}
          </button>
        )}
      </div>
      {tool && p.expanded && (
        <div class="ev-detail">
          <div class="label">arguments</div>
          <pre>{JSON.stringify((e.data as Data).arguments ?? null, null, 2)}</pre>
          <div class="label">output</div>
          <pre>{p.result ? JSON.stringify(p.result.data, null, 2) : "(no result yet)"}</pre>
        </div>
      )}
    </div>
  );
}
