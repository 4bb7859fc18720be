/**
 * @agentd/core: the plugin SDK. Everything a plugin author needs is exported from here.
 * Start with `definePlugin` and the `Gateway` it receives; docs/plugins.md walks through it.
 */
export { definePlugin, PluginError, type AgentdPlugin, type PluginOption } from "./kernel/plugin.ts";
export { Gateway, type Transport, type LoadedPlugin, type RunDiagnostics } from "./kernel/gateway.ts";
export type {
  GatewayHooks,
  RunRequest,
  SpawnRequest,
  EscalationRequest,
  EscalationDecision,
  EscalationKind,
  RunStateChange,
  RouteRequest,
  RouteAnswer,
} from "./kernel/hooks.ts";
export { Registry } from "./kernel/registry.ts";
export { LOCAL_PRINCIPAL, safeEqual, type Authenticator } from "./kernel/auth.ts";
export { isLoopbackHost } from "./kernel/loopback.ts";
export type { Services } from "./kernel/services.ts";
export type { Provider, ProviderResult, ProviderAvailability, RunContext, Logger } from "./providers/types.ts";
export { DeltaCoalescer } from "./providers/delta-coalescer.ts";
export type { ToolDefinition, ToolContext } from "./providers/tools.ts";
export type { Storage, StorageTx, StorageReader, StorageHealth, StorageSyncSample, Committed, Migration, SqlValue, SqlParams, Row } from "./storage/types.ts";
export { AgentdError, isAgentdError, notFound, validation, conflict, type ErrorCode } from "./errors.ts";
export * from "./types.ts";
export { validateBody, validateQuery } from "./http/validate.ts";
export type { AgentdState } from "./http/middleware.ts";
export { pidAlive } from "./http/routes/diagnose.ts";
export { Type, type Static } from "@sinclair/typebox";
export { VERSION, BUILD } from "./version.ts";
export { EventFeed, type FeedSink, type FeedOptions, type OverflowLimit } from "./streaming/event-feed.ts";
export type { StreamBudget, BudgetFacts } from "./streaming/stream-budget.ts";
export type { Revocation, StreamSlot } from "./streaming/stream-limits.ts";
export { StreamQuery, resolveStreamRequest, type StreamRequest } from "./streaming/stream-request.ts";
export { eventJson } from "./streaming/event-json.ts";
export { STREAM_PATH } from "./http/middleware.ts";
export { guardRequest } from "./http/request-guard.ts";
export type { EventLog, ReadOptions, VisibilityScope } from "./services/event-log.ts";
