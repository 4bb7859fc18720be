/**
 * The typed REST client SDK: one method per route of docs/api-contract.md. Plain `fetch`, no Node
 * imports, so it runs in Node 20 and in browsers. Mutations carry an idempotency key (generated
 * when the caller gives none) that is reused on the client's own retries, so a retry after a
 * dropped connection never creates a second session, message or run.
 */
import type { AgentEvent, Escalation, EscalationStatus, Message, MultitaskPolicy, QueueCounts, Run, RunStatus, Session, SessionListItem } from "../types.ts";

export const DEFAULT_URL = "http://127.0.0.1:8765";

/** The daemon answered with an error body `{"error": {code, message, details}}` (or a non-JSON error). */
export class AgentdApiError extends Error {
  override name = "AgentdApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly method?: string,
    readonly path?: string,
  ) {
    super(message);
  }
}

/** No HTTP answer at all: connection refused, DNS failure, reset, or no answer within the timeout. */
export class DaemonUnreachableError extends Error {
  override name = "DaemonUnreachableError";
  constructor(
    readonly url: string,
    readonly reason: string,
  ) {
    super(`cannot reach the agentd daemon at ${url} (${reason})`);
  }
}

export interface ClientOptions {
  /** Daemon base URL, e.g. http://127.0.0.1:8765 (a trailing slash is fine). */
  baseUrl?: string;
  /** Bearer token (an operator token, or a run's AGENTCTL_AUTH_TOKEN). */
  token?: string;
  /** Retries after a network error or a 502/503/504 (same idempotency key). Default 2. */
  retries?: number;
  /** Delay before the first retry, doubled each time. Default 250 ms. */
  retryDelayMs?: number;
  /** Per-request timeout for non-waiting requests. Default 30 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface RequestOptions {
  /** Idempotency key for a mutation; generated when omitted. */
  idempotencyKey?: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/**
 * `GET /daemon/status`. An admin gets every field (`detail: "full"`); any other token gets
 * `detail: "reduced"`: health, workers, version, providers and its own `queue_counts`, without the
 * admin-only fields marked optional here.
 */
export interface DaemonStatus {
  daemon_health: string;
  alive_workers: number;
  max_concurrency: number;
  queue_counts: QueueCounts;
  version: string;
  build: string;
  started_at: string;
  uptime_s: number;
  url: string | null;
  auth_required: boolean;
  providers: { name: string; plugin: string | null; available: boolean; reason: string | null; description: string | null }[];
  default_provider: string;
  detail: "full" | "reduced";
  /** Reduced view only: what an admin token would add. */
  detail_note?: string;
  pid?: number;
  db_path?: string;
  storage?: Record<string, unknown> & { kind: string };
  plugins?: { name: string; version: string | null; description: string | null; source: string }[];
  transports?: Record<string, unknown>[];
  /** Every stream of every transport: the buffered-bytes budget and how often it closed streams. */
  streams?: { max_buffered_bytes: number; buffered_bytes: number; streams: number; budget_closes: number; open: number; tickets_outstanding: number };
  event_subscribers?: number;
  last_seq: number;
  [key: string]: unknown;
}

export interface CreateSessionInput {
  title?: string;
  provider?: string;
  model?: string;
  cwd?: string;
  /** What a message does while the session is busy (default "enqueue"). */
  multitask?: MultitaskPolicy;
  /** Queue a run here when a child ends or raises an escalation. */
  wake_on_child_events?: boolean;
}

export interface SpawnRequest {
  task: string;
  provider?: string;
  cwd?: string;
  model?: string;
  /** Queue a run in the parent session when this child ends or raises an escalation. */
  wake_parent?: boolean;
}

export interface SessionResponse {
  session: Session;
}
export interface SessionListResponse {
  sessions: SessionListItem[];
  next_cursor: string | null;
}
export interface RunListResponse {
  runs: Run[];
  next_cursor: string | null;
}
export interface RunResponse {
  run: Run;
  /** Cancel/transition answered 202: the provider was asked to stop and has not yet; the run is still running. */
  stopping?: true;
}
export interface MessageRunResponse {
  message: Message;
  run: Run;
}
export interface WaitResponse {
  run: Run;
  timed_out: boolean;
}
export interface SpawnResponse {
  session: Session;
  run: Run;
}
export interface ReplyParentResponse {
  escalation: Escalation;
  message: Message;
  /** Set when a policy decided at once: the answer queued in the child session. */
  answer?: { message: Message; run: Run };
}
export interface ResolveResponse {
  escalation: Escalation;
  message: Message | null;
  run: Run | null;
}
export interface DiagnoseResponse {
  run: Run;
  diagnostics: Record<string, unknown> & { likely_issue: string | null };
}
export interface EventsResponse {
  events: AgentEvent[];
  next_cursor: number;
}

/** A random idempotency key (crypto.randomUUID exists in Node 20 and in browsers on secure origins). */
export function newIdempotencyKey(prefix = "agentctl"): string {
  const c = globalThis.crypto;
  const id = typeof c?.randomUUID === "function" ? c.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  return `${prefix}-${id}`;
}

const RETRY_STATUSES = new Set([502, 503, 504]);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class AgentdClient {
  readonly baseUrl: string;
  private readonly token?: string;
  private readonly retries: number;
  private readonly retryDelayMs: number;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(opts: ClientOptions = {}) {
    this.baseUrl = (opts.baseUrl ?? DEFAULT_URL).replace(/\/+$/, "");
    this.token = opts.token || undefined;
    this.retries = opts.retries ?? 2;
    this.retryDelayMs = opts.retryDelayMs ?? 250;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.fetchImpl = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  // --- daemon
  health(): Promise<{ ok: boolean; version: string; build: string }> {
    return this.request("GET", "/health");
  }
  daemonStatus(): Promise<DaemonStatus> {
    return this.request("GET", "/daemon/status");
  }

  // --- sessions
  createSession(input: CreateSessionInput = {}, opts: RequestOptions = {}): Promise<SessionResponse> {
    return this.mutate("POST", "/sessions", input, opts);
  }
  listSessions(q: { limit?: number; cursor?: string; parent_session_id?: string } = {}): Promise<SessionListResponse> {
    return this.request("GET", `/sessions${query(q)}`);
  }
  getSession(sessionId: string): Promise<SessionResponse> {
    return this.request("GET", `/sessions/${seg(sessionId)}`);
  }
  listMessages(sessionId: string): Promise<{ messages: Message[] }> {
    return this.request("GET", `/sessions/${seg(sessionId)}/messages`);
  }
  sendMessage(sessionId: string, input: { text: string; provider?: string; model?: string; multitask?: MultitaskPolicy }, opts: RequestOptions = {}): Promise<MessageRunResponse> {
    return this.mutate("POST", `/sessions/${seg(sessionId)}/messages`, input, opts);
  }
  listEvents(sessionId: string, q: { cursor?: number; limit?: number } = {}): Promise<EventsResponse> {
    return this.request("GET", `/sessions/${seg(sessionId)}/events${query(q)}`);
  }

  // --- runs
  createRun(input: { session_id: string; prompt: string; provider?: string; model?: string; multitask?: MultitaskPolicy }, opts: RequestOptions = {}): Promise<MessageRunResponse> {
    return this.mutate("POST", "/runs", input, opts);
  }
  /** Runs visible to the token, oldest first; filter by session and status. */
  listRuns(q: { session_id?: string; status?: RunStatus; limit?: number; cursor?: string } = {}): Promise<RunListResponse> {
    return this.request("GET", `/runs${query(q)}`);
  }
  getRun(runId: string): Promise<RunResponse> {
    return this.request("GET", `/runs/${seg(runId)}`);
  }
  transitionRun(runId: string, input: { to_status: RunStatus; reason?: string }, opts: RequestOptions = {}): Promise<RunResponse> {
    return this.mutate("POST", `/runs/${seg(runId)}/transition`, input, opts);
  }
  cancelRun(runId: string, input: { reason?: string } = {}, opts: RequestOptions = {}): Promise<RunResponse> {
    return this.mutate("POST", `/runs/${seg(runId)}/cancel`, input, opts);
  }
  /** Long-poll until the run is terminal or `timeout_s` passes (server side, default 30 s). */
  waitRun(runId: string, q: { timeout_s?: number; interval_ms?: number } = {}): Promise<WaitResponse> {
    const waitMs = (q.timeout_s ?? 30) * 1000;
    return this.request("GET", `/runs/${seg(runId)}/wait${query(q)}`, undefined, {}, waitMs + this.timeoutMs);
  }
  diagnoseRun(runId: string): Promise<DiagnoseResponse> {
    return this.request("GET", `/runs/${seg(runId)}/diagnose`);
  }

  // --- agent to agent (docs/agent-to-agent.md)
  spawnSession(parentRunId: string, input: SpawnRequest, opts: RequestOptions = {}): Promise<SpawnResponse> {
    return this.mutate("POST", `/runs/${seg(parentRunId)}/spawn`, input, opts);
  }
  /** A child of a session from outside any run (`POST /sessions/:id/spawn`). */
  spawnFromSession(parentSessionId: string, input: SpawnRequest, opts: RequestOptions = {}): Promise<SpawnResponse> {
    return this.mutate("POST", `/sessions/${seg(parentSessionId)}/spawn`, input, opts);
  }
  sendToSession(sessionId: string, input: { text: string }, opts: RequestOptions = {}): Promise<MessageRunResponse> {
    return this.mutate("POST", `/sessions/${seg(sessionId)}/send`, input, opts);
  }
  replyParent(runId: string, input: { text: string; request_kind: string }, opts: RequestOptions = {}): Promise<ReplyParentResponse> {
    return this.mutate("POST", `/runs/${seg(runId)}/reply-parent`, input, opts);
  }
  getEscalation(escalationId: string): Promise<{ escalation: Escalation }> {
    return this.request("GET", `/escalations/${seg(escalationId)}`);
  }
  resolveEscalation(escalationId: string, input: { decision: string; text?: string }, opts: RequestOptions = {}): Promise<ResolveResponse> {
    return this.mutate("POST", `/escalations/${seg(escalationId)}/resolve`, input, opts);
  }
  listEscalations(sessionId: string, q: { status?: EscalationStatus } = {}): Promise<{ escalations: Escalation[] }> {
    return this.request("GET", `/sessions/${seg(sessionId)}/escalations${query(q)}`);
  }
  /** Every escalation this token can answer (any session it sees), oldest first. */
  listAllEscalations(q: { status?: EscalationStatus } = {}): Promise<{ escalations: Escalation[] }> {
    return this.request("GET", `/escalations${query(q)}`);
  }
  listChildren(sessionId: string): Promise<{ children: { session: Session; latest_run: Run | null }[] }> {
    return this.request("GET", `/sessions/${seg(sessionId)}/children`);
  }

  /** A mutation: the idempotency key goes in the body and the header, and stays the same on retries. */
  private mutate<T>(method: string, path: string, body: object, opts: RequestOptions): Promise<T> {
    const key = opts.idempotencyKey ?? newIdempotencyKey();
    return this.request<T>(method, path, { ...body, idempotency_key: key }, { "idempotency-key": key });
  }

  /** One request with retries on network errors and 502/503/504; throws AgentdApiError / DaemonUnreachableError. */
  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = this.timeoutMs): Promise<T> {
    const url = this.baseUrl + path;
    let lastError: Error | null = null;
    for (let attempt = 0; attempt <= this.retries; attempt++) {
      if (attempt > 0) await sleep(this.retryDelayMs * 2 ** (attempt - 1));
      let res: Response;
      try {
        res = await this.fetchImpl(url, {
          method,
          headers: {
            accept: "application/json",
            ...(body === undefined ? {} : { "content-type": "application/json" }),
            ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
            ...headers,
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        lastError = new DaemonUnreachableError(this.baseUrl, networkReason(err, timeoutMs));
        continue;
      }
      const text = await res.text().catch(() => "");
      const parsed = parseJson(text);
      if (res.ok) return (parsed ?? {}) as T;
      lastError = toApiError(res.status, parsed, text, method, path);
      if (!RETRY_STATUSES.has(res.status)) break;
    }
    throw lastError ?? new DaemonUnreachableError(this.baseUrl, "no attempt was made");
  }
}

function toApiError(status: number, parsed: unknown, text: string, method: string, path: string): AgentdApiError {
  const e = (parsed as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (e && typeof e.code === "string") return new AgentdApiError(status, e.code, typeof e.message === "string" ? e.message : e.code, e.details, method, path);
  const snippet = text.trim().slice(0, 200) || "(empty body)";
  return new AgentdApiError(status, `http_${status}`, `${method} ${path} answered ${status}: ${snippet}`, undefined, method, path);
}

function networkReason(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError") return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

function parseJson(text: string): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const seg = (s: string): string => encodeURIComponent(s);

function query(q: Record<string, string | number | undefined>): string {
  const parts = Object.entries(q)
    .filter(([, v]) => v !== undefined && v !== "")
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join("&")}` : "";
}
