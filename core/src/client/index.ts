/**
 * @agentd/core/client: the client SDK for agentctl, web and mobile clients. No server code and no
 * Node-only imports: it runs in Node 20 and in browsers.
 */
export * from "./rest.ts";
export * from "./subscribe.ts";
export type { AgentEvent, ApprovalRequest, Escalation, EscalationStatus, Message, MultitaskPolicy, RunWaiting, QueueCounts, Run, RunStatus, RunSummary, Session, SessionListItem } from "../types.ts";
export { RUN_STATUSES, TERMINAL_STATUSES } from "../types.ts";
