/** The domain model shared by services, plugins, the HTTP API and the client SDK. */

export type RunStatus = "queued" | "running" | "completed" | "failed" | "canceled";
export const RUN_STATUSES: readonly RunStatus[] = ["queued", "running", "completed", "failed", "canceled"];
export const TERMINAL_STATUSES: readonly RunStatus[] = ["completed", "failed", "canceled"];

export interface Session {
  id: string;
  title: string | null;
  /** Requested provider: "auto" or a registered provider name. */
  provider: string;
  model: string | null;
  cwd: string | null;
  owner: string;
  parent_session_id: string | null;
  parent_run_id: string | null;
  root_session_id: string;
  depth: number;
  /** What a message does while a run of this session is queued or running (docs/api-contract.md). */
  multitask: MultitaskPolicy;
  /** Set at spawn (`wake_parent`): this child's end and escalations queue a run in its parent. */
  wake_parent: boolean;
  /** Session setting: every child's end and escalations queue a run here (docs/agent-to-agent.md). */
  wake_on_child_events: boolean;
  created_at: string;
  updated_at: string;
}

/** A session's latest run in brief, as `GET /sessions` items carry it (`latest_run`). */
export interface RunSummary {
  id: string;
  status: RunStatus;
  created_at: string;
  ended_at: string | null;
}

/** A `GET /sessions` item: the session and its latest run (null: none yet). */
export interface SessionListItem extends Session {
  latest_run: RunSummary | null;
}

/** enqueue: wait for the busy run; reject: 409 naming it; interrupt: cancel it, then run the new message. */
export type MultitaskPolicy = "enqueue" | "reject" | "interrupt";
export const MULTITASK_POLICIES: readonly MultitaskPolicy[] = ["enqueue", "reject", "interrupt"];

export type MessageRole = "user" | "assistant" | "system";

export interface Message {
  id: string;
  session_id: string;
  run_id: string | null;
  role: MessageRole;
  text: string;
  /** Free-form metadata, e.g. the child session an escalation came from. */
  meta: Record<string, unknown> | null;
  created_at: string;
}

export interface RunUsage {
  input_tokens?: number;
  output_tokens?: number;
  cached_input_tokens?: number;
  reasoning_output_tokens?: number;
  total_tokens?: number;
}

export interface Run {
  id: string;
  session_id: string;
  status: RunStatus;
  /** Provider requested for this run ("auto" or a name), and the one routing chose. */
  requested_provider: string;
  provider: string | null;
  model: string | null;
  message_id: string | null;
  prompt: string;
  output: string | null;
  error: string | null;
  usage: RunUsage | null;
  worker_id: string | null;
  pid: number | null;
  canceled_by: string | null;
  routing: RoutingDecision | null;
  /**
   * Set while a running run is held by its provider until someone answers a question (today: a
   * native approval, e.g. codex asking to run a command). Cleared when answered or the run ends.
   */
  waiting: RunWaiting | null;
  created_at: string;
  started_at: string | null;
  ended_at: string | null;
}

export interface RoutingDecision {
  requested: string;
  resolved: string;
  reason: string;
}

/** One entry of the durable, ordered event log. `seq` is global and strictly increasing. */
export interface AgentEvent {
  seq: number;
  session_id: string;
  run_id: string | null;
  event_type: string;
  data: Record<string, unknown>;
  created_at: string;
}

/** Who is making a request. Resolved by the auth plugin. */
export interface Principal {
  /** Stable id used for ownership and idempotency scoping. */
  id: string;
  /** Admins see and act on every session. */
  admin: boolean;
  /** Set for a run's own token: it may act only on that run's session tree. */
  run?: { run_id: string; session_id: string; root_session_id: string; owner: string };
}

export interface QueueCounts {
  queued_count: number;
  running_count: number;
  completed_count: number;
  failed_count: number;
  canceled_count: number;
}

/** What a child run may ask its parent session for (`POST /runs/:id/reply-parent`). */
export type EscalationKind = "approval_request" | "permission_request" | "question" | "info";
export const ESCALATION_KINDS: readonly EscalationKind[] = ["approval_request", "permission_request", "question", "info"];
/** `approve_for_session`: approve, and let the same request pass without asking for the rest of the session. */
export type EscalationDecisionKind = "approve" | "approve_for_session" | "deny" | "answer";
export const ESCALATION_DECISIONS: readonly EscalationDecisionKind[] = ["approve", "approve_for_session", "deny", "answer"];
/** Where an escalation comes from: a child's `reply-parent`, or a provider's own approval request. */
export type EscalationOrigin = "reply_parent" | "native_approval";
export type EscalationStatus = "pending" | "resolved" | "closed";
export const ESCALATION_STATUSES: readonly EscalationStatus[] = ["pending", "resolved", "closed"];

/** What a provider asks a human (or a policy, or the parent agent) to allow. */
export interface ApprovalRequest {
  /** A shell command, a set of file changes (a patch), or another tool call (`tool` with its `input`). */
  kind: "command" | "file_change" | "tool";
  command?: string;
  cwd?: string;
  /** The agent's own justification. */
  reason?: string;
  changes?: Array<{ path: string; kind?: string }>;
  /** kind "tool": the agent's tool name (e.g. Claude Code's `Write`) and the input it would be called with. */
  tool?: string;
  input?: Record<string, unknown>;
}

/** The answer a provider receives for an approval request. */
export interface ApprovalAnswer {
  decision: "approve" | "approve_for_session" | "deny";
  text: string;
  decided_by: string;
  /** The escalation that carried the question (or the earlier one whose session grant matched). */
  escalation_id: string;
}

export interface RunWaiting {
  kind: "approval";
  escalation_id: string;
  /** Where the question was raised: the parent session, or the run's own session for a human. */
  raised_to_session_id: string;
  approval: ApprovalRequest;
  since: string;
}

/**
 * A request to a parent session (or, for a native approval of a run without parent, to the run's
 * own session), and the decision once there is one. `closed`: nobody can answer it any more (the
 * run that asked ended first); `close_reason` says why.
 */
export interface Escalation {
  id: string;
  origin: EscalationOrigin;
  child_session_id: string;
  child_run_id: string;
  parent_session_id: string;
  kind: EscalationKind;
  text: string;
  /** The structured request of a native approval; null for `reply_parent`. */
  approval: ApprovalRequest | null;
  status: EscalationStatus;
  close_reason: string | null;
  decision: EscalationDecisionKind | null;
  decision_text: string | null;
  decided_by: string | null;
  created_at: string;
  resolved_at: string | null;
}
