import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { AgentdClient, StreamTransport } from "../../../core/src/client/index.ts";
import type { AgentEvent, Escalation, RunStatus } from "../../../core/src/types.ts";
import type { StreamState } from "./api.ts";

/** A pending escalation as the inbox shows it (from GET /escalations or an escalation.requested event). */
export type InboxItem = Pick<Escalation, "id" | "origin" | "parent_session_id" | "child_session_id" | "child_run_id" | "kind" | "text" | "approval" | "created_at">;

export interface ConsoleState {
  client: AgentdClient;
  token: string;
  transport: StreamTransport;
  setTransport(t: StreamTransport): void;
  /** The all-sessions stream (from now): inbox, statuses, live agent trees. */
  live: StreamState;
  onEvent(listener: (events: AgentEvent[]) => void): () => void;
  inbox: InboxItem[];
  inboxNew: number;
  inboxLoading: boolean;
  refreshInbox(): void;
  markInboxSeen(): void;
  resolved(id: string): void;
  /** Latest run status per session, as seen on the live stream. */
  statuses: ReadonlyMap<string, { status: RunStatus; at: string }>;
  /** Set when the all-sessions stream could not resume (410 cursor_expired) and follows from now. */
  streamNotice: string;
  signOut(): void;
}

export const Ctx = createContext<ConsoleState | null>(null);
export const useConsole = (): ConsoleState => useContext(Ctx)!;

export const RUN_EVENT_STATUS: Readonly<Record<string, RunStatus>> = {
  "run.queued": "queued",
  "run.started": "running",
  "run.completed": "completed",
  "run.failed": "failed",
  "run.canceled": "canceled",
};

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export function ago(iso: string | null | undefined): string {
  if (!iso) return "—";
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}
