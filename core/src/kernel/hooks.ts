import { AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook, SyncHook } from "tapable";
import type { AgentEvent, ApprovalRequest, EscalationDecisionKind, EscalationKind, Principal, Run, RunStatus, Session } from "../types.ts";

/** A run about to be enqueued. `beforeEnqueue` taps may rewrite it or throw an AgentdError to veto. */
export interface RunRequest {
  session: Session;
  prompt: string;
  /** "auto" or a provider name; defaults to the session's provider. */
  provider: string;
  model: string | null;
  actor: Principal;
  /** Free-form data a plugin wants to carry into the run (stored with the run's first event). */
  meta: Record<string, unknown>;
}

/** A child session about to be spawned by a parent run. `onSpawn` taps may rewrite or veto it. */
export interface SpawnRequest {
  parentRun: Run;
  parentSession: Session;
  task: string;
  provider: string;
  cwd: string | null;
  model: string | null;
  actor: Principal;
}

export type { EscalationKind };

/** A child run asking its parent session for something, or a provider asking for an approval. */
export interface EscalationRequest {
  escalationId: string;
  childRun: Run;
  childSession: Session;
  parentSession: Session;
  kind: EscalationKind;
  text: string;
  /**
   * Set for a provider's native approval (e.g. codex asking to run a command): what it wants to do.
   * `childRun`/`childSession` are then the asking run and its session, and `parentSession` is where
   * the question goes (the parent, or the run's own session when it has none).
   */
  approval?: ApprovalRequest;
}

/** What an `onEscalate` tap may answer instead of letting the request through to the parent. */
export interface EscalationDecision {
  decision: EscalationDecisionKind;
  text: string;
  decidedBy: string;
}

export interface RunStateChange {
  run: Run;
  from: RunStatus | null;
  to: RunStatus;
}

/**
 * Every hook a plugin can tap. Why each tapable class:
 * - `beforeEnqueue`, `onSpawn`: AsyncSeriesWaterfallHook. Each tap receives the (possibly rewritten)
 *   request of the previous tap and returns it; throwing an AgentdError vetoes with that 4xx.
 * - `onEscalate`: AsyncSeriesBailHook. The first tap that returns a decision wins (a policy can
 *   auto-approve); returning undefined lets the request through to the parent session.
 * - `onRunEvent`, `onRunStateChange`: SyncHook. Observers on the hot path, called after commit;
 *   they cannot change what happened, and a throwing observer is logged, never propagated.
 * - `gatewayStart`, `gatewayStop`: AsyncSeriesHook. Lifecycle; the server is listening at start
 *   (transports attach to it), and stop runs before storage is checkpointed and closed.
 */
export function createHooks() {
  return Object.freeze({
    beforeEnqueue: new AsyncSeriesWaterfallHook<[RunRequest]>(["request"]),
    onSpawn: new AsyncSeriesWaterfallHook<[SpawnRequest]>(["request"]),
    onEscalate: new AsyncSeriesBailHook<[EscalationRequest], EscalationDecision | undefined>(["request"]),
    onRunEvent: new SyncHook<[AgentEvent]>(["event"]),
    onRunStateChange: new SyncHook<[RunStateChange]>(["change"]),
    gatewayStart: new AsyncSeriesHook<[]>([]),
    gatewayStop: new AsyncSeriesHook<[]>([]),
  });
}

export type GatewayHooks = ReturnType<typeof createHooks>;
