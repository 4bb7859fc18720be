import { AsyncSeriesBailHook, AsyncSeriesHook, AsyncSeriesWaterfallHook, SyncHook } from "tapable";
import type { Provider } from "../providers/types.ts";
import type { AgentEvent, ApprovalRequest, EscalationDecisionKind, EscalationKind, Principal, Run, RunStatus, Session } from "../types.ts";
import type { Registry } from "./registry.ts";

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

/**
 * A child session about to be spawned. `onSpawn` taps may rewrite or veto it. `parentRun` is the
 * spawning run (`POST /runs/:id/spawn`), or for `POST /sessions/:id/spawn` the session's running
 * run, null when none was running (a client or operator spawned from outside any run).
 */
export interface SpawnRequest {
  parentRun: Run | null;
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

/** An "auto" run about to be routed: a `routeProvider` tap may claim it for a provider. */
export interface RouteRequest {
  run: Run;
  session: Session;
  /** The registered providers (check `availability()` before claiming a run for one). */
  providers: Registry<Provider>;
}

/** A `routeProvider` tap's claim: a registered provider's name, and why (stored on the run). */
export interface RouteAnswer {
  provider: string;
  reason: string;
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
 * - `routeProvider`: AsyncSeriesBailHook, "first answer wins" (as rollup's `first` hooks). Called
 *   for every run whose provider is "auto"; the first tap that returns a RouteAnswer decides,
 *   undefined passes to the next. The built-in order (codex, claude-code, embedded) is the last
 *   tap (stage 1000), so a tap with a lower stage (default 0) claims runs before it.
 * - `onEscalate`: AsyncSeriesBailHook. The first tap that returns a decision wins (a policy can
 *   auto-approve); returning undefined lets the request through to the parent session.
 * - `onRunEvent`, `onRunStateChange`: SyncHook. Observers on the hot path, called after commit;
 *   they cannot change what happened, and a throwing observer is logged, never propagated.
 * - `storageReady`: AsyncSeriesHook. Storage is open and migrated, nothing is served yet: a plugin
 *   reads or prepares what it keeps there (auth-bearer's principal key).
 * - `gatewayStart`, `gatewayStop`: AsyncSeriesHook. Lifecycle; the server is listening at start
 *   (transports attach to it), and stop runs before storage is checkpointed and closed.
 */
export function createHooks() {
  return Object.freeze({
    beforeEnqueue: new AsyncSeriesWaterfallHook<[RunRequest]>(["request"]),
    onSpawn: new AsyncSeriesWaterfallHook<[SpawnRequest]>(["request"]),
    routeProvider: new AsyncSeriesBailHook<[RouteRequest], RouteAnswer | undefined>(["request"]),
    onEscalate: new AsyncSeriesBailHook<[EscalationRequest], EscalationDecision | undefined>(["request"]),
    onRunEvent: new SyncHook<[AgentEvent]>(["event"]),
    onRunStateChange: new SyncHook<[RunStateChange]>(["change"]),
    storageReady: new AsyncSeriesHook<[]>([]),
    gatewayStart: new AsyncSeriesHook<[]>([]),
    gatewayStop: new AsyncSeriesHook<[]>([]),
  });
}

export type GatewayHooks = ReturnType<typeof createHooks>;
