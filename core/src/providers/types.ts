import type { ApprovalAnswer, ApprovalRequest, Message, Run, RunUsage, Session } from "../types.ts";

/** Everything a provider needs to execute one run. */
export interface RunContext {
  run: Run;
  session: Session;
  /** The user text that triggered this run. */
  prompt: string;
  /** The session's transcript before this run's prompt (oldest first). */
  history: readonly Message[];
  /** This session's persisted thread id for this provider, if any (e.g. a codex thread). */
  threadId: string | null;
  /** Persist a new thread id for this session and provider. */
  setThreadId(threadId: string): Promise<void>;
  /** Aborted when the run is canceled or the daemon stops. */
  signal: AbortSignal;
  /**
   * Environment for child processes: AGENTD_URL, AGENTD_RUN_ID, AGENTD_SESSION_ID and a token
   * for the run in AGENTCTL_AUTH_TOKEN, so that `agentctl` inside the run needs no flags.
   */
  env: Readonly<Record<string, string>>;
  /** Append an event to the run's log. Durable ordering is kept; awaiting is optional. */
  emit(eventType: string, data: Record<string, unknown>): Promise<void>;
  /** Report the OS process doing the work (shown by diagnose, killed on restart recovery). */
  setPid(pid: number | null): void;
  /** Record provider facts for `GET /runs/:id/diagnose` (e.g. `codex_invocation`). */
  setDiagnostics(facts: Record<string, unknown>): void;
  /**
   * Ask before acting (a native approval): raises an escalation (through `onEscalate`, to the
   * parent session or else the run's own session), marks the run `waiting`, and resolves with the
   * decision; a grant `approve_for_session` answers later identical requests of the session at
   * once. Declined after `timeoutMs`. Rejects when the run is aborted or `signal` (e.g. "the
   * provider process is gone") aborts; the escalation is then closed with the reason.
   */
  requestApproval(approval: ApprovalRequest, opts: { timeoutMs: number; signal?: AbortSignal }): Promise<ApprovalAnswer>;
  log: Logger;
}

export interface ProviderResult {
  /** Final assistant text; stored as the session's assistant message. */
  text?: string;
  usage?: RunUsage;
}

export interface ProviderAvailability {
  ok: boolean;
  /** Why not, phrased so an operator knows what to do. */
  reason?: string;
}

export interface Provider {
  readonly name: string;
  readonly description?: string;
  /** Used by "auto" routing and diagnose. Cheap; may be cached by the provider. */
  availability?(): ProviderAvailability | Promise<ProviderAvailability>;
  /**
   * Execute the run. Resolve with the final text when done; throw to fail the run (the error's
   * message becomes the run error). Must stop promptly when `ctx.signal` aborts.
   */
  run(ctx: RunContext): Promise<ProviderResult | void>;
  /** Static facts for diagnose, e.g. the configured invocation. */
  describe?(): Record<string, unknown>;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}
