// The agent tree under a session: children and their children with their latest run, from
// GET /sessions/:id/children, refreshed when the live stream shows activity in the tree.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Run, Session } from "../../../../core/src/types.ts";
import { errorText, useConsole } from "../context.ts";

interface Node {
  session: Session;
  latest_run: Run | null;
  children: Node[];
}

const MAX_DEPTH = 6;

export function AgentTree(p: { sessionId: string }) {
  const { client, onEvent } = useConsole();
  const [nodes, setNodes] = useState<Node[] | null>(null);
  const [error, setError] = useState("");
  const members = useRef(new Set<string>([p.sessionId]));

  const load = async (): Promise<void> => {
    const ids = new Set<string>([p.sessionId]);
    const walk = async (id: string, depth: number): Promise<Node[]> => {
      if (depth > MAX_DEPTH) return [];
      const { children } = await client.listChildren(id);
      return Promise.all(
        children.map(async (c) => {
          ids.add(c.session.id);
          return { ...c, children: await walk(c.session.id, depth + 1) };
        }),
      );
    };
    try {
      setNodes(await walk(p.sessionId, 1));
      members.current = ids;
      setError("");
    } catch (err) {
      setError(errorText(err));
    }
  };

  useEffect(() => {
    void load();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = onEvent((events) => {
      const relevant = events.some((e) => members.current.has(e.session_id) && (e.event_type.startsWith("run.") || e.event_type.startsWith("child.")));
      if (relevant && !timer) timer = setTimeout(() => ((timer = null), void load()), 150);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [p.sessionId]);

  const render = (list: Node[]) => (
    <ul class="tree">
      {list.map((n) => (
        <li key={n.session.id} data-tree-session={n.session.id}>
          <a href={`#/s/${encodeURIComponent(n.session.id)}`}>{n.session.title || n.session.id}</a>{" "}
          <span class={`status ${n.latest_run?.status ?? "idle"}`}>{n.latest_run?.status ?? "idle"}</span> <span class="meta">depth {n.session.depth} · {n.session.provider}</span>
          {n.children.length > 0 && render(n.children)}
        </li>
      ))}
    </ul>
  );
  return (
    <div class="agents pad" aria-label="agent tree">
      <h2>Agents under this session</h2>
      {error && <p class="error" role="alert">{error}</p>}
      {nodes === null ? <p class="hint">Loading…</p> : nodes.length === 0 ? <p class="hint">No child agents.</p> : render(nodes)}
    </div>
  );
}
